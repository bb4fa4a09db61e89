import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { FREQUENCIES, type Frequency } from '../../common/frequency';
import { NoControlChars } from '../../common/no-control-chars';
import { IsPageUrl, IsReaderEmail, NewsletterSlugs } from './reader-validators';

/** The footer form, posted as a form (no JavaScript) or as JSON (nashra.js, other clients). */
export class SignupDto {
  @ApiProperty({ example: 'قارئ@مثال.شبكة', maxLength: 254 })
  @IsDefined({ message: 'readers.errors.emailRequired' })
  @IsReaderEmail()
  @NoControlChars({ message: 'readers.errors.email' })
  email: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['daily', 'breaking'],
    description: 'Slugs of the newsletters chosen (GET /admin/newsletters); default: those the form ticks',
  })
  @IsOptional()
  @NewsletterSlugs()
  newsletters?: string[];

  @ApiPropertyOptional({
    enum: FREQUENCIES,
    description: 'Older forms: the digest chosen (with the breaking alerts); ignored when `newsletters` is given',
  })
  @IsOptional()
  @IsIn(FREQUENCIES, { message: 'readers.errors.frequency' })
  frequency?: Frequency;

  /** `newsletters` when the form showed the newsletter checkboxes: then none ticked is an error, not "default". */
  @ApiPropertyOptional({ enum: ['newsletters'] })
  @IsOptional()
  @IsIn(['newsletters'], { message: 'readers.errors.invalid' })
  choice?: 'newsletters';

  @ApiPropertyOptional({ description: 'The article page the form was on (else the Referer header)' })
  @IsOptional()
  @IsPageUrl()
  @NoControlChars()
  page?: string;

  @ApiPropertyOptional({ description: 'Where to send a no-JavaScript reader back to; only SITE_ORIGINS are followed' })
  @IsOptional()
  @IsPageUrl()
  @NoControlChars()
  redirect?: string;

  /** Honeypot: hidden from people, filled in by bots. Any value means "answer politely, store nothing". */
  @ApiPropertyOptional({ description: 'Leave empty (spam trap)' })
  @IsOptional()
  @IsString({ message: 'readers.errors.invalid' })
  @MaxLength(2000, { message: 'readers.errors.invalid' })
  @NoControlChars({ message: 'readers.errors.text' })
  website?: string;
}
