import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { localeText } from '../../common/locale';
import { NoControlChars } from '../../common/no-control-chars';

/** A validation message of the Newsletters form, from the locale file. */
const say = (key: string): string => localeText(`newsroomActions.newsletterForm.${key}`);

const days = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? [value] : value);

/** The Newsletters screen's form (create and edit); the schedule editor's fields become one cron. */
export class NewsletterForm {
  @IsString({ message: say('nameRequired') })
  @MaxLength(80, { message: say('nameTooLong') })
  @NoControlChars()
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(200, { message: say('descriptionTooLong') })
  @NoControlChars()
  description?: string;

  /** Create only. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: say('slug') })
  @NoControlChars()
  slug?: string;

  /** Create only. */
  @IsOptional()
  @IsIn(['digest', 'alerts'], { message: say('kind') })
  kind?: 'digest' | 'alerts';

  @IsOptional()
  @IsIn(['daily', 'weekly'], { message: say('period') })
  period?: 'daily' | 'weekly';

  /** `standard`: the Settings screen's schedule of its period; `own`: time + days below; `cron`: as typed. */
  @IsOptional()
  @IsIn(['standard', 'own', 'cron'], { message: say('scheduleMode') })
  scheduleMode?: 'standard' | 'own' | 'cron';

  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: say('time') })
  @NoControlChars()
  time?: string;

  @IsOptional()
  @Transform(days)
  @IsArray()
  @ArrayMaxSize(7)
  @Matches(/^[0-6]$/, { each: true, message: say('day') })
  @NoControlChars({ each: true })
  days?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  cron?: string;

  /** Topics separated by commas (Arabic or Latin), e.g. «اقتصاد، أسواق». */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @NoControlChars()
  topics?: string;

  @IsOptional()
  @Matches(/^(|\d{1,3})$/, { message: say('maxArticles') })
  @NoControlChars()
  maxArticles?: string;

  @IsOptional()
  @IsIn(['', 'newest', 'oldest'], { message: say('articleOrder') })
  articleOrder?: '' | 'newest' | 'oldest';

  @IsOptional()
  @IsString()
  @MaxLength(80)
  @NoControlChars()
  @Matches(/^[^"<>\\]*$/, { message: say('senderName') })
  senderName?: string;

  @IsOptional()
  @IsIn(['on'])
  showOnForm?: 'on';

  @IsOptional()
  @IsIn(['on'])
  defaultChecked?: 'on';
}

export class NewsletterStatusForm {
  @IsIn(['active', 'archived'], { message: say('status') })
  status: 'active' | 'archived';
}
