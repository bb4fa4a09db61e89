import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { FREQUENCY_VALUES } from '../../digests/dto/digest-requests.dto';
import { PlanTextsDto } from '../../digests/dto/digest-plan.dto';
import type { PlanAction } from '../../digests/next-edition-plan.service';
import type { Frequency } from '../../common/frequency';
import { NoControlChars } from '../../common/no-control-chars';

const FREQUENCY_MESSAGE = 'نوع النشرة إما يومية أو أسبوعية';
export const PLAN_ACTIONS: PlanAction[] = ['drop', 'restore', 'up', 'down', 'pin', 'unpin'];

/** `?frequency=` of the Next digest pages: daily unless told otherwise. */
export class NextDigestQueryDto {
  @IsOptional()
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency = 'daily';

  /** Cache-buster on the preview's URL: a new value after every change makes the iframe load again. */
  @IsOptional()
  @MaxLength(2000)
  @NoControlChars()
  v?: string;
}

export class FrequencyFormDto {
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency;
}

export class PlanTextsFormDto extends PlanTextsDto {
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency;
}

export class ArticleActionParamsDto {
  @Matches(/^\d{1,18}$/, { message: 'رقم المقال غير صالح' })
  @NoControlChars()
  articleId: string;

  @IsIn(PLAN_ACTIONS, { message: 'إجراء غير معروف' })
  action: PlanAction;
}

export class ScheduleFormDto {
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency;

  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { message: 'اختر تاريخ الإرسال ووقته' })
  @NoControlChars()
  at: string;
}

export class EditionIdParamDto {
  @Matches(/^\d{1,18}$/, { message: 'رقم النشرة غير صالح' })
  @NoControlChars()
  id: string;
}
