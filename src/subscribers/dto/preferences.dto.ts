import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { FREQUENCIES, type Frequency } from '../../common/frequency';
import { IsPlainText, NewsletterSlugs } from './reader-validators';
import { NoControlChars } from '../../common/no-control-chars';

/** The preferences page; also the "weekly instead" button on the unsubscribe page (frequency only). */
export class PreferencesDto {
  @IsOptional()
  @IsIn(FREQUENCIES, { message: 'readers.errors.frequency' })
  frequency?: Frequency;

  // A form sends one checkbox as a string and several as an array.
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray({ message: 'readers.errors.topics' })
  @ArrayMaxSize(200, { message: 'readers.errors.topics' })
  @IsString({ each: true, message: 'readers.errors.topics' })
  @MaxLength(200, { each: true, message: 'readers.errors.topics' })
  @IsPlainText({ each: true })
  @NoControlChars({ each: true })
  topics?: string[];

  /** The newsletters switched on (the whole form was shown: none means the reader takes none of them). */
  @IsOptional()
  @NewsletterSlugs()
  newsletters?: string[];

  /** The "don't track my clicks" checkbox (present only when ticked; the whole form was shown). */
  @IsOptional()
  @IsIn(['on'], { message: 'readers.errors.invalid' })
  noClickTracking?: 'on';

  /** `preferences` when the whole form was shown: then no topic ticked means "everything". */
  @IsOptional()
  @IsIn(['preferences'], { message: 'readers.errors.invalid' })
  form?: 'preferences';
}
