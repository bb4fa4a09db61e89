import { localeText } from '../common/locale';
import { bidiHtml } from '../digests/bidi-text';
import type { EditionStatsDto, TopicStatsDto } from '../digests/dto/edition-stats.dto';
import type { EditionStats } from '../digests/edition-stats';
import type { Edition } from '../digests/edition.entity';

const percent = new Intl.NumberFormat('ar', { style: 'percent', maximumFractionDigits: 1, numberingSystem: 'latn' });

/** An edition's engagement card: figures, the per-article table, and the clicks-per-hour chart's data. */
export function engagementView(stats: EditionStatsDto) {
  return {
    delivered: stats.delivered,
    uniqueClickers: stats.uniqueClickers,
    clickRate: percent.format(stats.clickRate),
    // Titles with Latin names and digits (`iPhone 15 Pro`) isolated as whole runs, as in the email.
    articles: stats.articles.map((a) => ({ ...a, titleHtml: bidiHtml(a.title) })),
    opens: stats.opens
      ? { readers: stats.opens.readers, machineOnly: stats.opens.machineOnly, rate: percent.format(stats.opens.rate) }
      : null,
    chart: hourlyChart(stats.clicksByHour),
  };
}

/**
 * Clicks per hour from the start of sending, up to the last hour with a click (an edition a few minutes into
 * sending shows one bar, not 47 empty hours); null before the first click.
 */
function hourlyChart(clicksByHour: number[]) {
  const hours = clicksByHour.findLastIndex((n) => n > 0) + 1;
  return hours > 0
    ? {
        label: localeText('newsroom.engagement.clicks'),
        xTitle: localeText('newsroom.engagement.hoursSinceSend'),
        labels: clicksByHour.slice(0, hours).map((_, hour) => `${hour + 1}`),
        values: clicksByHour.slice(0, hours),
      }
    : null;
}

/**
 * The edition page's engagement card (templates/partials/newsroom-engagement.hbs): figures once sending has
 * started, and `live` (the page polls the card) until the edition is settled.
 */
export async function engagementCard(
  edition: Pick<Edition, 'id' | 'sendingStartedAt'>,
  settled: boolean,
  stats: EditionStats,
) {
  return {
    editionId: edition.id,
    live: !settled,
    engagement: edition.sendingStartedAt ? engagementView(await stats.forEdition(edition.id)) : null,
  };
}

/** The dashboard's clicks-per-topic card (last 30 days). */
export function topicsView(stats: TopicStatsDto) {
  const top = stats.topics.slice(0, 10);
  return {
    topics: stats.topics,
    chart:
      top.length > 0
        ? {
            label: localeText('newsroom.engagement.clicks'),
            labels: top.map((t) => t.name),
            values: top.map((t) => t.clicks),
            horizontal: true,
          }
        : null,
  };
}

/** A history row's readers who clicked, and their share of the delivered. */
export function clickedView(clickers: number, delivered: number) {
  return { clickers, clickRate: delivered > 0 ? percent.format(clickers / delivered) : null };
}
