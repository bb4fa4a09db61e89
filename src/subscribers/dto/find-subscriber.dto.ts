import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { NoControlChars } from '../../common/no-control-chars';

export class FindSubscriberQuery {
  @ApiProperty({ description: 'The address, in any case', example: 'reader@example.com' })
  @IsString()
  @MaxLength(320)
  @NoControlChars()
  email: string;
}
