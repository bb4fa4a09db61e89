import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NoControlChars } from '../../common/no-control-chars';

const days = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? [value] : value);

/** The Newsletters screen's form (create and edit); the schedule editor's fields become one cron. */
export class NewsletterForm {
  @IsString({ message: 'الاسم مطلوب' })
  @MaxLength(80, { message: 'الاسم أطول من اللازم (80 حرفاً على الأكثر)' })
  @NoControlChars()
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'الوصف أطول من اللازم (200 حرف على الأكثر)' })
  @NoControlChars()
  description?: string;

  /** Create only. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'المعرّف: أحرف لاتينية صغيرة وأرقام وشرطات فقط' })
  @NoControlChars()
  slug?: string;

  /** Create only. */
  @IsOptional()
  @IsIn(['digest', 'alerts'], { message: 'النوع غير صالح' })
  kind?: 'digest' | 'alerts';

  @IsOptional()
  @IsIn(['daily', 'weekly'], { message: 'الوتيرة غير صالحة' })
  period?: 'daily' | 'weekly';

  /** `standard`: the Settings screen's schedule of its period; `own`: time + days below; `cron`: as typed. */
  @IsOptional()
  @IsIn(['standard', 'own', 'cron'], { message: 'الموعد غير صالح' })
  scheduleMode?: 'standard' | 'own' | 'cron';

  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'الوقت غير صالح' })
  @NoControlChars()
  time?: string;

  @IsOptional()
  @Transform(days)
  @IsArray()
  @ArrayMaxSize(7)
  @Matches(/^[0-6]$/, { each: true, message: 'اليوم غير صالح' })
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
  @Matches(/^(|\d{1,3})$/, { message: 'عدد المقالات غير صالح' })
  @NoControlChars()
  maxArticles?: string;

  @IsOptional()
  @IsIn(['', 'newest', 'oldest'], { message: 'الترتيب غير صالح' })
  articleOrder?: '' | 'newest' | 'oldest';

  @IsOptional()
  @IsString()
  @MaxLength(80)
  @NoControlChars()
  @Matches(/^[^"<>\\]*$/, { message: 'اسم المرسل لا يقبل علامات الاقتباس أو الأقواس الزاوية' })
  senderName?: string;

  @IsOptional()
  @IsIn(['on'])
  showOnForm?: 'on';

  @IsOptional()
  @IsIn(['on'])
  defaultChecked?: 'on';
}

export class NewsletterStatusForm {
  @IsIn(['active', 'archived'], { message: 'الحالة غير صالحة' })
  status: 'active' | 'archived';
}
