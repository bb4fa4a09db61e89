import { localeText } from '../../common/locale';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { PlanTextsDto } from '../../digests/dto/digest-plan.dto';
import type { PlanAction } from '../../digests/next-edition-plan.service';
import { NoControlChars } from '../../common/no-control-chars';

export const FREQUENCY_MESSAGE = localeText('newsroom.validation.frequency');
/** `frequency` (the name predates newsletters): the slug of a digest newsletter, `daily` and `weekly` included. */
const DIGEST_SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const PLAN_ACTIONS: PlanAction[] = ['drop', 'restore', 'up', 'down', 'pin', 'unpin'];

/** `?frequency=` of the Next digest pages: daily unless told otherwise. */
export class NextDigestQueryDto {
  @IsOptional()
  @Matches(DIGEST_SLUG, { message: FREQUENCY_MESSAGE })
  @NoControlChars()
  frequency: string = 'daily';

  /** Cache-buster on the preview's URL: a new value after every change makes the iframe load again. */
  @IsOptional()
  @MaxLength(2000)
  @NoControlChars()
  v?: string;
}

export class FrequencyFormDto {
  @Matches(DIGEST_SLUG, { message: FREQUENCY_MESSAGE })
  @NoControlChars()
  frequency: string;
}

export class PlanTextsFormDto extends PlanTextsDto {
  @Matches(DIGEST_SLUG, { message: FREQUENCY_MESSAGE })
  @NoControlChars()
  frequency: string;
}

export class ArticleActionParamsDto {
  @Matches(/^\d{1,18}$/, { message: localeText('newsroom.validation.articleId') })
  @NoControlChars()
  articleId: string;

  @IsIn(PLAN_ACTIONS, { message: localeText('newsroom.validation.action') })
  action: PlanAction;
}

export class ScheduleFormDto {
  @Matches(DIGEST_SLUG, { message: FREQUENCY_MESSAGE })
  @NoControlChars()
  frequency: string;

  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { message: localeText('newsroom.validation.sendAt') })
  @NoControlChars()
  at: string;
}

export class EditionIdParamDto {
  @Matches(/^\d{1,18}$/, { message: localeText('newsroom.validation.editionId') })
  @NoControlChars()
  id: string;
}
