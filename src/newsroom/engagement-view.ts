import type { EditionStatsDto, TopicStatsDto } from '../digests/dto/edition-stats.dto';

const percent = new Intl.NumberFormat('ar', { style: 'percent', maximumFractionDigits: 1, numberingSystem: 'latn' });

/** An edition's engagement card: figures, the per-article table, and the clicks-per-hour chart's data. */
export function engagementView(stats: EditionStatsDto) {
  return {
    delivered: stats.delivered,
    uniqueClickers: stats.uniqueClickers,
    clickRate: percent.format(stats.clickRate),
    articles: stats.articles,
    opens: stats.opens
      ? { readers: stats.opens.readers, machineOnly: stats.opens.machineOnly, rate: percent.format(stats.opens.rate) }
      : null,
    chart:
      stats.clicksByHour.length > 0
        ? {
            label: 'نقرات',
            labels: stats.clicksByHour.map((_, hour) => `${hour + 1}`),
            values: stats.clicksByHour,
          }
        : null,
  };
}

/** The dashboard's clicks-per-topic card (last 30 days). */
export function topicsView(stats: TopicStatsDto) {
  const top = stats.topics.slice(0, 10);
  return {
    topics: stats.topics,
    chart:
      top.length > 0
        ? { label: 'نقرات', labels: top.map((t) => t.name), values: top.map((t) => t.clicks), horizontal: true }
        : null,
  };
}

/** A history row's readers who clicked, and their share of the delivered. */
export function clickedView(clickers: number, delivered: number) {
  return { clickers, clickRate: delivered > 0 ? percent.format(clickers / delivered) : null };
}
