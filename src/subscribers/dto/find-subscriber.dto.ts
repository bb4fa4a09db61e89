import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class FindSubscriberQuery {
  @ApiProperty({ description: 'The address, in any case', example: 'reader@example.com' })
  @IsString()
  @MaxLength(320)
  email: string;
}

export class SubscriberIdParam {
  @ApiProperty({ example: '42' })
  @Matches(/^[1-9]\d{0,18}$/, { message: 'id must be a subscriber id (a positive whole number)' })
  id: string;
}
