import type { Article } from '../articles/article.entity';

/** An editor's decisions for the next edition (see edition_plans). */
export interface EditorialDecisions {
  excludedArticleIds: string[];
  orderedArticleIds: string[];
  leadArticleId: string | null;
}

export interface EditorialSelection {
  /** What the edition carries, in email order (the lead first). */
  articles: Article[];
  /** Candidates beyond the articles-per-digest limit. */
  leftOut: Article[];
  /** Dropped by an editor. */
  dropped: Article[];
}

/**
 * Applies an editor's decisions to the candidates of the next edition (in the default order): dropped ones go,
 * the arranged ones come first in the editor's order (newer arrivals follow in the default order), the pinned
 * lead goes first, then the limit cuts. Pure, so previews and the edition itself agree.
 */
export function applyEditorialDecisions(
  candidates: Article[],
  decisions: EditorialDecisions | null,
  max: number,
): EditorialSelection {
  if (!decisions) {
    return { articles: candidates.slice(0, max), leftOut: candidates.slice(max), dropped: [] };
  }
  const excluded = new Set(decisions.excludedArticleIds);
  const dropped = candidates.filter((a) => excluded.has(a.id));
  const position = new Map(decisions.orderedArticleIds.map((id, index) => [id, index]));
  const remaining = candidates
    .filter((a) => !excluded.has(a.id))
    .map((article, index) => ({ article, rank: position.get(article.id) ?? position.size + index }))
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.article);
  const leadIndex = remaining.findIndex((a) => a.id === decisions.leadArticleId);
  if (leadIndex > 0) {
    remaining.unshift(...remaining.splice(leadIndex, 1));
  }
  return { articles: remaining.slice(0, max), leftOut: remaining.slice(max), dropped };
}

/** The ids in `order` with `id` swapped with its neighbour (up = towards the top of the email). */
export function moved(order: string[], id: string, direction: 'up' | 'down'): string[] {
  const next = [...order];
  const from = next.indexOf(id);
  const to = direction === 'up' ? from - 1 : from + 1;
  if (from < 0 || to < 0 || to >= next.length) {
    return next;
  }
  [next[from], next[to]] = [next[to], next[from]];
  return next;
}
