import { localeText } from '../../common/locale';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { FREQUENCY_VALUES } from '../../digests/dto/digest-requests.dto';
import { PlanTextsDto } from '../../digests/dto/digest-plan.dto';
import type { PlanAction } from '../../digests/next-edition-plan.service';
import type { Frequency } from '../../common/frequency';

const FREQUENCY_MESSAGE = localeText('newsroom.validation.frequency');
export const PLAN_ACTIONS: PlanAction[] = ['drop', 'restore', 'up', 'down', 'pin', 'unpin'];

/** `?frequency=` of the Next digest pages: daily unless told otherwise. */
export class NextDigestQueryDto {
  @IsOptional()
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency = 'daily';

  /** Cache-buster on the preview's URL: a new value after every change makes the iframe load again. */
  @IsOptional()
  @MaxLength(2000)
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
  @Matches(/^\d{1,18}$/, { message: localeText('newsroom.validation.articleId') })
  articleId: string;

  @IsIn(PLAN_ACTIONS, { message: localeText('newsroom.validation.action') })
  action: PlanAction;
}

export class ScheduleFormDto {
  @IsIn(FREQUENCY_VALUES, { message: FREQUENCY_MESSAGE })
  frequency: Frequency;

  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { message: localeText('newsroom.validation.sendAt') })
  at: string;
}

export class EditionIdParamDto {
  @Matches(/^\d{1,18}$/, { message: localeText('newsroom.validation.editionId') })
  id: string;
}
