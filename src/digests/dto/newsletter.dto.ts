import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
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
import { NoControlChars } from '../../common/no-control-chars';
import type { Newsletter } from '../../subscribers/newsletter.entity';

const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** A form sends `a, b` or one value; JSON sends an array. */
const list = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(/[,،]/)
        .map((v) => v.trim().replace(/^#/, ''))
        .filter((v) => v !== '')
    : value;

/** Fields an editor may change (PUT); every one optional. */
export class UpdateNewsletterDto {
  @ApiPropertyOptional({ example: 'الاقتصاد', maxLength: 80 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @NoControlChars()
  name?: string;

  @ApiPropertyOptional({ example: 'أهم أخبار الاقتصاد والأسواق، كل أسبوع.', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @NoControlChars()
  description?: string;

  @ApiPropertyOptional({ enum: ['daily', 'weekly'], description: 'A digest: its cadence (look-back, edition key)' })
  @IsOptional()
  @IsIn(['daily', 'weekly'])
  period?: 'daily' | 'weekly';

  @ApiPropertyOptional({
    example: '0 9 * * 5',
    nullable: true,
    description: "A digest's cron in TIMEZONE; null: the digest settings' schedule of its period. Alerts: none",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  scheduleCron?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['اقتصاد'], description: 'Only articles with one of these topics' })
  @IsOptional()
  @Transform(list)
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @NoControlChars({ each: true })
  topics?: string[];

  @ApiPropertyOptional({ nullable: true, description: "Articles per edition; null: the digest settings'" })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(100)
  maxArticles?: number | null;

  @ApiPropertyOptional({ enum: ['newest', 'oldest'], nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsIn(['newest', 'oldest'])
  articleOrder?: 'newest' | 'oldest' | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'نشرة الاقتصاد',
    description: "From display name; null: MAIL_FROM's",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(80)
  @NoControlChars()
  @Matches(/^[^"<>\\]*$/, { message: 'senderName may not contain quotes or angle brackets' })
  senderName?: string | null;

  @ApiPropertyOptional({ description: 'Offered on the footer form' })
  @IsOptional()
  @IsBoolean()
  showOnForm?: boolean;

  @ApiPropertyOptional({ description: 'Ticked on the footer form' })
  @IsOptional()
  @IsBoolean()
  defaultChecked?: boolean;

  @ApiPropertyOptional({ enum: ['active', 'archived'], description: 'archived: no more editions, not offered' })
  @IsOptional()
  @IsIn(['active', 'archived'])
  status?: 'active' | 'archived';

  @ApiPropertyOptional({ description: 'Order on the form, the preferences page and the screens' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  position?: number;
}

export class CreateNewsletterDto extends UpdateNewsletterDto {
  @ApiProperty({ example: 'economy', description: 'Latin letters, digits, dashes; never changes' })
  @IsString()
  @Matches(SLUG, { message: 'slug must be lower-case Latin letters, digits and dashes (at most 40)' })
  @NoControlChars()
  slug: string;

  @ApiProperty({ example: 'الاقتصاد', maxLength: 80 })
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @NoControlChars()
  declare name: string;

  @ApiProperty({ enum: ['digest', 'alerts'] })
  @IsIn(['digest', 'alerts'])
  kind: 'digest' | 'alerts';
}

export class NewsletterDto {
  @ApiProperty({ example: 'weekly' })
  slug: string;
  @ApiProperty({ example: 'النشرة الأسبوعية' })
  name: string;
  @ApiProperty()
  description: string;
  @ApiProperty({ enum: ['digest', 'alerts'] })
  kind: 'digest' | 'alerts';
  @ApiProperty({ enum: ['daily', 'weekly'], nullable: true })
  period: 'daily' | 'weekly' | null;
  @ApiProperty({ nullable: true, description: 'Own cron; null: the standard schedule of its period' })
  scheduleCron: string | null;
  @ApiProperty({ nullable: true, description: 'The cron in force (digests), in TIMEZONE' })
  cronInForce: string | null;
  @ApiProperty({ nullable: true, description: 'The next scheduled edition (digests)' })
  nextRunAt: string | null;
  @ApiProperty({ type: [String] })
  topics: string[];
  @ApiProperty({ nullable: true })
  maxArticles: number | null;
  @ApiProperty({ nullable: true, enum: ['newest', 'oldest'] })
  articleOrder: 'newest' | 'oldest' | null;
  @ApiProperty({ nullable: true })
  senderName: string | null;
  @ApiProperty()
  showOnForm: boolean;
  @ApiProperty()
  defaultChecked: boolean;
  @ApiProperty({ enum: ['active', 'archived'] })
  status: 'active' | 'archived';
  @ApiProperty()
  position: number;
  @ApiProperty({ description: 'Active readers with an active subscription (a kept count)' })
  subscribers: number;
  @ApiProperty({
    description: 'Joined and left over the last 30 days (kept per day)',
    example: { joined: 12, left: 3 },
  })
  growth30: { joined: number; left: number };
  @ApiProperty({
    description:
      'Readers by state (kept counts): active (active readers subscribed), pending (subscribed, still confirming ' +
      'their address), gone (left this newsletter, or their address left, bounced or complained)',
    example: { active: 1200, pending: 14, gone: 85 },
  })
  readers: { active: number; pending: number; gone: number };
}

export type NewsletterFields = Partial<Omit<Newsletter, 'id' | 'createdAt' | 'updatedAt' | 'subscriberCount'>>;
