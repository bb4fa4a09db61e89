import { localeText } from '../../common/locale';
import { NoControlChars } from '../../common/no-control-chars';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { READER_STATUSES } from '../../subscribers/reader-directory';
import type { Frequency, SubscriberStatus } from '../../subscribers/subscriber.entity';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The readers list's filters (a GET form: empty fields mean "any"). */
export class ReaderListQuery {
  @IsOptional()
  @Transform(emptyToUndefined)
  @NoControlChars()
  @IsString()
  @MaxLength(254, { message: localeText('newsroom.validation.searchTooLong') })
  q?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(READER_STATUSES, { message: localeText('newsroom.validation.status') })
  status?: SubscriberStatus;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['daily', 'weekly'], { message: localeText('newsroom.validation.readerFrequency') })
  frequency?: Frequency;

  @IsOptional()
  @Transform(emptyToUndefined)
  @NoControlChars()
  @IsString()
  @MaxLength(200, { message: localeText('newsroom.validation.topicTooLong') })
  topic?: string;

  /** Readers with an active subscription to this newsletter (slug). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'نشرة غير معروفة' })
  @NoControlChars()
  newsletter?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @NoControlChars()
  @IsString()
  @MaxLength(500, { message: localeText('newsroom.validation.pageTooLong') })
  page?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d{1,18}$/, { message: localeText('newsroom.validation.cursor') })
  @NoControlChars()
  before?: string;
}

/** The import form's fields beside the file (multipart). */
export class ReaderImportForm {
  /** The newsletters every reader of the file subscribes to (checkboxes; none: frequency's digest and alerts). */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray({ message: 'نشرة غير معروفة' })
  @ArrayMaxSize(50, { message: 'نشرة غير معروفة' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { each: true, message: 'نشرة غير معروفة' })
  @NoControlChars({ each: true })
  newsletters?: string[];

  @IsOptional()
  @IsIn(['daily', 'weekly'], { message: localeText('newsroom.validation.readerFrequency') })
  frequency?: Frequency;

  @IsOptional()
  @IsIn(['on', 'true', '1'], { message: localeText('newsroom.validation.consentFlag') })
  trustConsent?: string;

  /** Sent by a plain form; htmx sends the header instead. Checked by the guard, ignored here. */
  @IsOptional()
  @NoControlChars()
  @IsString()
  _csrf?: string;
}

export class EraseReaderForm {
  @IsOptional()
  @NoControlChars()
  @IsString()
  confirm?: string;
}
