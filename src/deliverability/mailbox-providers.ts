/**
 * The mailbox providers whose rules and limits matter to a bulk sender, by address domain (the table
 * `mailbox_domains`, seeded by migration 1795646000000, maps domains to these keys); any other domain is `other`.
 */
export const MAILBOX_PROVIDERS = ['gmail', 'yahoo', 'outlook', 'icloud', 'other'] as const;
export type MailboxProvider = (typeof MAILBOX_PROVIDERS)[number];

/** How logs and status reasons name them. */
export const PROVIDER_NAMES: Record<MailboxProvider, string> = {
  gmail: 'Gmail',
  yahoo: 'Yahoo/AOL',
  outlook: 'Outlook/Hotmail/Live/MSN',
  icloud: 'iCloud',
  other: 'other domains',
};

export function providerName(key: string): string {
  return PROVIDER_NAMES[key as MailboxProvider] ?? key;
}

/** Gmail's bulk sender: more than 5,000 messages to Gmail addresses in a day (its February 2024 rules). */
export const GMAIL_BULK_PER_DAY = 5000;
