import { localeText } from '../../common/locale';
import { NoControlChars } from '../../common/no-control-chars';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

const RETURN_TO = ['/admin/settings', '/admin/settings/feeds'];

export class FeedUrlForm {
  @NoControlChars()
  @IsString({ message: localeText('newsroom.validation.feedUrlRequired') })
  @MaxLength(2000, { message: localeText('newsroom.validation.feedUrlTooLong') })
  url: string;

  /** The page the form sits on (the settings page or the feeds page), to go back to. */
  @IsOptional()
  @IsIn(RETURN_TO)
  back?: string;
}

export class FeedPollForm {
  @IsOptional()
  @IsIn(RETURN_TO)
  back?: string;
}
