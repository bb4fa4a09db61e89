import { localeText } from '../../common/locale';
import { NoControlChars } from '../../common/no-control-chars';
import { Transform } from 'class-transformer';
import { IsArray, IsIn, IsString, MaxLength } from 'class-validator';

export class TopicKeyForm {
  @NoControlChars()
  @IsString({ message: localeText('newsroom.validation.topicRequired') })
  @MaxLength(200)
  key: string;
}

export class RenameTopicForm extends TopicKeyForm {
  @NoControlChars()
  @IsString({ message: localeText('newsroom.validation.nameRequired') })
  @MaxLength(200, { message: localeText('newsroom.validation.nameTooLong') })
  name: string;
}

export class HideTopicForm extends TopicKeyForm {
  @IsIn(['true', 'false'], { message: localeText('newsroom.validation.invalidValue') })
  hidden: 'true' | 'false';
}

export class MergeTopicForm extends TopicKeyForm {
  @NoControlChars()
  @IsString({ message: localeText('newsroom.validation.mergeInto') })
  @MaxLength(200)
  into: string;
}

/** Every ticked box of the "may be followed" form; none ticked sends no field at all. */
export class FollowableTopicsForm {
  @Transform(({ value }: { value: unknown }) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
  @IsArray()
  @NoControlChars()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  keys: string[] = [];
}
