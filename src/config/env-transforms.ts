/** Class-transformer `@Transform` functions shared by the environment DTOs (src/config/*env.dto.ts). */
export const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
export const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
