/** How often a reader gets a digest, and which digest an edition belongs to. */
export type Frequency = 'daily' | 'weekly';

export const FREQUENCIES: readonly Frequency[] = ['daily', 'weekly'];
