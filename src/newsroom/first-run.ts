/** What a newsroom has done of its first steps; each step's state comes from data the dashboard already reads. */
export interface FirstRunFacts {
  feeds: number;
  readers: number;
  editors: number;
  editionsOrTests: number;
}

export interface FirstRunStep {
  key: 'feed' | 'form' | 'editor' | 'test';
  href: string;
  done: boolean;
}

/**
 * The dashboard's checklist for a new newsroom: add a feed (Settings), put the form on the site (the Form
 * screen), invite an editor, send a test. Null once every step is done, so it leaves the dashboard by itself.
 */
export function firstRunSteps(facts: FirstRunFacts): FirstRunStep[] | null {
  const steps: FirstRunStep[] = [
    { key: 'feed', href: '/admin/settings#feeds', done: facts.feeds > 0 },
    { key: 'form', href: '/admin/form', done: facts.readers > 0 },
    { key: 'editor', href: '/admin/editors', done: facts.editors > 1 },
    { key: 'test', href: '/admin/next', done: facts.editionsOrTests > 0 },
  ];
  return steps.every((s) => s.done) ? null : steps;
}
