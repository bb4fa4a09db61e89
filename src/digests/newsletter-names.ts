import type { EditionPlan } from './edition-assembler';

/**
 * The name a planned edition gives itself in its default subject and heading: none for the two standard digests
 * (their period's wording, «النشرة اليومية»), the newsletter's name for any other («الاقتصاد»).
 */
export function ownName(plan: Pick<EditionPlan, 'slug' | 'frequency' | 'newsletterName'>): string | undefined {
  return plan.slug === plan.frequency ? undefined : plan.newsletterName;
}
