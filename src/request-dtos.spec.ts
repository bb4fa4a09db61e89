import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { AppModule } from './app.module';

// Validation rules that mean "this field is text"; an enumerated (isIn) field is already closed.
const TEXT_RULES = new Set([
  'isString',
  'isUrl',
  'isEmail',
  'maxLength',
  'minLength',
  'matches',
  'isDateString',
  'isPlainText',
  'isReaderEmail',
  'isPageUrl',
]);
// The environment is the operator's, not a request's.
const NOT_REQUESTS = new Set(['EnvDto', 'DeliveryEnvDto', 'DeliverabilityEnvDto']);

interface StoredMetadata {
  target: { name?: string };
  propertyName: string;
  name?: string;
  type: string;
  constraintCls?: unknown;
}

/** Every validated property of every class the app loads, with the names of its rules. */
function rulesByField(): Map<string, Set<string>> {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<unknown, StoredMetadata[]>;
    constraintMetadatas: Map<unknown, Array<{ name: string }>>;
  };
  const fields = new Map<string, Set<string>>();
  for (const meta of [...storage.validationMetadatas.values()].flat()) {
    const className = meta.target.name ?? String(meta.target);
    if (NOT_REQUESTS.has(className)) {
      continue;
    }
    const rule = meta.name ?? storage.constraintMetadatas.get(meta.constraintCls)?.[0]?.name ?? meta.type;
    const key = `${className}.${meta.propertyName}`;
    fields.set(key, (fields.get(key) ?? new Set()).add(rule));
  }
  return fields;
}

describe('request DTOs', () => {
  it('put one control-character rule (@NoControlChars) on every text field', () => {
    expect(AppModule).toBeDefined(); // loads every controller, so every DTO class registers its rules
    const fields = rulesByField();
    expect(fields.size).toBeGreaterThan(50);
    const missing = [...fields]
      .filter(([, rules]) => [...rules].some((r) => TEXT_RULES.has(r)) && !rules.has('isIn'))
      .filter(([, rules]) => !rules.has('noControlChars'))
      .map(([field]) => field);
    expect(missing).toEqual([]);
  });
});
