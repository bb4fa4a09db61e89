import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { FREQUENCIES, type Frequency } from '../../common/frequency';
import { NoControlChars } from '../../common/no-control-chars';
import type { EditionKind, EditionStatus } from '../edition.entity';

export const FREQUENCY_VALUES: Frequency[] = [...FREQUENCIES];
export const KIND_VALUES: EditionKind[] = ['digest', 'breaking'];
export const STATUS_VALUES: EditionStatus[] = [
  'draft',
  'scheduled',
  'sending',
  'paused',
  'sent',
  'cancelled',
  'skipped',
];

export class PreviewQueryDto {
  @ApiProperty({ enum: FREQUENCY_VALUES, example: 'daily' })
  @IsIn(FREQUENCY_VALUES, { message: 'frequency must be daily or weekly' })
  frequency: Frequency;

  @ApiPropertyOptional({ enum: ['html', 'json'], default: 'html', description: 'json: subject and articles only' })
  @IsOptional()
  @IsIn(['html', 'json'], { message: 'format must be html or json' })
  format?: 'html' | 'json';
}

export class TestSendDto {
  @ApiProperty({ enum: FREQUENCY_VALUES, example: 'daily' })
  @IsIn(FREQUENCY_VALUES, { message: 'frequency must be daily or weekly' })
  frequency: Frequency;

  @ApiProperty({
    type: [String],
    example: ['editor@example.net'],
    description: '1 to 10 addresses; nobody else gets it',
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'to must list at least one address' })
  @ArrayMaxSize(10, { message: 'to may list at most 10 addresses' })
  @ArrayUnique()
  @IsEmail({}, { each: true, message: 'each of to must be an email address' })
  @NoControlChars({ each: true })
  to: string[];
}

export class CreateEditionDto {
  @ApiPropertyOptional({
    example: 'weekly',
    description: 'The digest newsletter (slug, see GET /admin/newsletters); `frequency` is its older alias',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'newsletter must be a newsletter slug' })
  @NoControlChars()
  newsletter?: string;

  @ApiPropertyOptional({
    enum: FREQUENCY_VALUES,
    example: 'daily',
    description: 'Alias of newsletter (daily or weekly)',
  })
  @ValidateIf((dto: CreateEditionDto) => dto.newsletter === undefined)
  @IsIn(FREQUENCY_VALUES, { message: 'newsletter (or frequency: daily or weekly) is required' })
  frequency?: Frequency;

  @ApiPropertyOptional({
    type: [String],
    example: ['12', '9'],
    description: 'Article ids in the order to show them; default: the articles the next edition would take',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => String(v)) : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(/^\d{1,18}$/, { each: true, message: 'each of articleIds must be an article id' })
  @NoControlChars({ each: true })
  articleIds?: string[];

  @ApiPropertyOptional({
    example: 'عدد خاص: الانتخابات',
    description: 'Default: the daily/weekly subject with the date',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @NoControlChars()
  subject?: string;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export class HistoryQueryDto {
  @ApiPropertyOptional({ enum: FREQUENCY_VALUES })
  @IsOptional()
  @IsIn(FREQUENCY_VALUES, { message: 'frequency must be daily or weekly' })
  frequency?: Frequency;

  @ApiPropertyOptional({ example: 'economy', description: 'Editions of one newsletter (slug)' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'newsletter must be a newsletter slug' })
  @NoControlChars()
  newsletter?: string;

  @ApiPropertyOptional({ enum: STATUS_VALUES })
  @IsOptional()
  @IsIn(STATUS_VALUES, { message: `status must be one of ${STATUS_VALUES.join(', ')}` })
  status?: EditionStatus;

  @ApiPropertyOptional({ enum: KIND_VALUES, description: 'digest (daily/weekly) or breaking (alerts)' })
  @IsOptional()
  @IsIn(KIND_VALUES, { message: 'kind must be digest or breaking' })
  kind?: EditionKind;

  @ApiPropertyOptional({ example: '2026-11-01', description: 'Editions created on or after this day (in TIMEZONE)' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a day written YYYY-MM-DD' })
  @NoControlChars()
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'Editions created on or before this day (in TIMEZONE)' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a day written YYYY-MM-DD' })
  @NoControlChars()
  to?: string;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Page on: the nextBefore of the previous page (editions with a smaller id)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an edition id' })
  @NoControlChars()
  before?: string;
}

export class BreakingAlertDto {
  @ApiProperty({ example: '42', description: "The article to alert the alerts newsletter's subscribers about" })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @IsString()
  @Matches(/^\d{1,18}$/, { message: 'articleId must be an article id' })
  @NoControlChars()
  articleId: string;

  @ApiPropertyOptional({ example: 'breaking', description: 'The alerts newsletter (slug); default `breaking`' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'newsletter must be a newsletter slug' })
  @NoControlChars()
  newsletter?: string;

  @ApiPropertyOptional({ example: 'عاجل: انتخابات مبكرة', description: 'Default: «عاجل: » and the title' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @NoControlChars()
  subject?: string;
}
