export declare const TOPICS: string[];
export declare function seedStatements(options: {
  readers: number;
  editions?: number;
  fast?: boolean;
  audience?: 'daily' | 'active';
}): string[];
