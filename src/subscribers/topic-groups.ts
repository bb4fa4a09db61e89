import type { TopicChoice } from './subscriptions.service';

export const POPULAR_TOPICS = 12;

export interface TopicGroup {
  /** Locale key of the group's heading. */
  label: string;
  topics: TopicChoice[];
}

/**
 * The preferences page's topics in groups a reader can scan: the ones they follow, the most followed by other
 * readers, then the rest by name. Choices arrive most followed first (SubscriptionsService.topicChoices).
 */
export function groupTopics(choices: TopicChoice[]): TopicGroup[] {
  const mine = choices.filter((t) => t.checked);
  const others = choices.filter((t) => !t.checked);
  const popular = others.filter((t) => t.followers > 0).slice(0, POPULAR_TOPICS);
  const rest = others.filter((t) => !popular.includes(t)).sort((a, b) => a.name.localeCompare(b.name, 'ar'));
  return [
    { label: 'readers.preferences.groups.mine', topics: mine },
    { label: 'readers.preferences.groups.popular', topics: popular },
    { label: 'readers.preferences.groups.all', topics: rest },
  ].filter((g) => g.topics.length > 0);
}
