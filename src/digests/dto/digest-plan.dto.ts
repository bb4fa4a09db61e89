import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import type { Frequency } from '../../common/frequency';
import { FREQUENCY_VALUES } from './digest-requests.dto';
import { ArticleRefDto } from './edition-views.dto';
import { NoControlChars } from '../../common/no-control-chars';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ARTICLE_ID = /^\d{1,18}$/;
const toIdList = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map(String) : value === undefined ? value : [String(value)];
const toIntList = ({ value }: { value: unknown }) =>
  (Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value]).map((v) => Number(v));

/** Subject, preheader and editor's note of the next edition; an empty text means "the default". */
export class PlanTextsDto {
  @ApiPropertyOptional({ example: 'عدد خاص: الانتخابات', description: 'Empty: the daily/weekly subject with the date' })
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'العنوان أطول من 200 حرف' })
  @NoControlChars({ message: 'العنوان فيه محارف تحكّم غير مسموح بها' })
  subject?: string;

  @ApiPropertyOptional({ description: 'The inbox preview line; empty: the first titles' })
  @IsOptional()
  @IsString()
  @MaxLength(300, { message: 'سطر المعاينة أطول من 300 حرف' })
  @NoControlChars({ message: 'سطر المعاينة فيه محارف تحكّم غير مسموح بها' })
  preheader?: string;

  @ApiPropertyOptional({ description: "The editor's note above the articles, plain text; empty: none" })
  @IsOptional()
  @IsString()
  @MaxLength(1000, { message: 'كلمة المحرر أطول من 1000 حرف' })
  @NoControlChars({ multiline: true, message: 'كلمة المحرر فيها محارف تحكّم غير مسموح بها' })
  editorNote?: string;
}

/** The whole plan, for machines (PUT /admin/digests/plan/:frequency). */
export class UpdatePlanDto extends PlanTextsDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The article pinned as the lead story' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(ARTICLE_ID, { message: 'leadArticleId must be an article id' })
  @NoControlChars()
  leadArticleId?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Articles dropped from the next edition' })
  @IsOptional()
  @Transform(toIdList)
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(ARTICLE_ID, { each: true, message: 'each of excludedArticleIds must be an article id' })
  @NoControlChars({ each: true })
  excludedArticleIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'The order to show them in; others follow' })
  @IsOptional()
  @Transform(toIdList)
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(ARTICLE_ID, { each: true, message: 'each of orderedArticleIds must be an article id' })
  @NoControlChars({ each: true })
  orderedArticleIds?: string[];
}

export class PlanViewDto {
  @ApiProperty({ enum: FREQUENCY_VALUES }) frequency: Frequency;
  @ApiProperty() subject: string;
  @ApiProperty() preheader: string;
  @ApiPropertyOptional({ type: String, nullable: true }) editorNote: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) leadArticleId: string | null;
  @ApiProperty({ type: [ArticleRefDto], description: 'What the edition would carry now, in email order' })
  articles: ArticleRefDto[];
  @ApiProperty({ type: [ArticleRefDto], description: 'Dropped by an editor' }) dropped: ArticleRefDto[];
  @ApiProperty({ type: [ArticleRefDto], description: 'Beyond the articles-per-digest limit' })
  leftOut: ArticleRefDto[];
  @ApiProperty({ description: 'Active readers of the frequency' }) activeReaders: number;
  @ApiProperty({ description: 'Of those, readers who would get an email (topic choices)' }) receivingReaders: number;
}

export class DigestSettingsDto {
  @ApiProperty({ example: '07:00', description: 'HH:MM in TIMEZONE' })
  @Matches(TIME, { message: 'وقت النشرة اليومية يُكتب بالشكل HH:MM' })
  @NoControlChars()
  dailyTime: string;

  @ApiProperty({ type: [Number], example: [0, 1, 2, 3, 4, 5, 6], description: '0 = Sunday … 6 = Saturday' })
  @Transform(toIntList)
  @IsArray()
  @ArrayMinSize(1, { message: 'اختر يوماً واحداً على الأقل للنشرة اليومية' })
  @ArrayUnique()
  @IsInt({ each: true, message: 'أيام النشرة اليومية غير صالحة' })
  @Min(0, { each: true, message: 'أيام النشرة اليومية غير صالحة' })
  @Max(6, { each: true, message: 'أيام النشرة اليومية غير صالحة' })
  dailyDays: number[];

  @ApiProperty({ example: '07:00' })
  @Matches(TIME, { message: 'وقت النشرة الأسبوعية يُكتب بالشكل HH:MM' })
  @NoControlChars()
  weeklyTime: string;

  @ApiProperty({ example: 5, description: '0 = Sunday … 6 = Saturday' })
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt({ message: 'يوم النشرة الأسبوعية غير صالح' })
  @Min(0, { message: 'يوم النشرة الأسبوعية غير صالح' })
  @Max(6, { message: 'يوم النشرة الأسبوعية غير صالح' })
  weeklyDay: number;

  @ApiProperty({ example: 10, minimum: 1, maximum: 100 })
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt({ message: 'عدد المقالات يجب أن يكون عدداً صحيحاً' })
  @Min(1, { message: 'عدد المقالات بين 1 و100' })
  @Max(100, { message: 'عدد المقالات بين 1 و100' })
  maxArticles: number;

  @ApiProperty({ enum: ['newest', 'oldest'] })
  @IsIn(['newest', 'oldest'], { message: 'الترتيب إما الأحدث أولاً أو الأقدم أولاً' })
  order: 'newest' | 'oldest';
}

export class DigestSettingsViewDto extends DigestSettingsDto {
  @ApiProperty({ example: '0 7 * * *' }) dailyCron: string;
  @ApiProperty({ example: '0 7 * * 5' }) weeklyCron: string;
  @ApiProperty({ enum: ['database', 'environment'] }) source: 'database' | 'environment';
  @ApiPropertyOptional({ type: Date, nullable: true }) updatedAt: Date | null;
  @ApiPropertyOptional({ type: String, nullable: true }) updatedBy: string | null;
  @ApiProperty({ description: 'Next daily run' }) nextDaily: Date;
  @ApiProperty({ description: 'Next weekly run' }) nextWeekly: Date;
}

export class FrequencyParamDto {
  @ApiProperty({ enum: FREQUENCY_VALUES })
  @IsIn(FREQUENCY_VALUES, { message: 'frequency must be daily or weekly' })
  frequency: Frequency;
}
