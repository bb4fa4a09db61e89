import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
} from 'class-validator';
import { NoControlChars } from '../../common/no-control-chars';

const httpUrl = { require_protocol: true, protocols: ['http', 'https'], require_tld: false };

/** One article as a CMS sends it (e.g. a WordPress publish webhook). */
export class PushArticleDto {
  @ApiProperty({ example: 'https://www.example.net/2020/05/isis-returns-iraq/', description: 'Canonical URL' })
  @IsUrl(httpUrl, { message: 'url must be an absolute http(s) URL' })
  @MaxLength(2048)
  @NoControlChars()
  url: string;

  @ApiPropertyOptional({ example: 'https://www.example.net/?p=218001', description: 'The feed guid, if any' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  @NoControlChars()
  guid?: string;

  @ApiProperty({ example: 'تحذيرات من عودة داعش', description: 'Plain text; markup is kept as literal text' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @NoControlChars()
  title: string;

  @ApiPropertyOptional({ description: 'Excerpt (HTML or text); default: first paragraph of the body' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  @NoControlChars({ multiline: true })
  summary?: string;

  @ApiPropertyOptional({ description: 'Body HTML; sanitised with an allow-list, relative URLs made absolute' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000_000)
  @NoControlChars({ multiline: true })
  bodyHtml?: string;

  @ApiPropertyOptional({ example: 'فريق التحرير' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @NoControlChars()
  author?: string;

  @ApiPropertyOptional({ example: 'https://www.example.net/wp-content/uploads/2020/05/isis.jpg' })
  @IsOptional()
  @IsUrl(httpUrl, { message: 'imageUrl must be an absolute http(s) URL' })
  @MaxLength(2048)
  @NoControlChars()
  imageUrl?: string;

  @ApiPropertyOptional({ example: '2020-05-04T09:30:00Z', description: 'ISO 8601; default now, future → now' })
  @IsOptional()
  @IsDateString({}, { message: 'publishedAt must be an ISO 8601 date' })
  @NoControlChars()
  publishedAt?: string;

  @ApiPropertyOptional({ example: '2020-05-04T12:00:00Z', description: 'When the CMS last changed it' })
  @IsOptional()
  @IsDateString({}, { message: 'updatedAt must be an ISO 8601 date' })
  @NoControlChars()
  updatedAt?: string;

  @ApiPropertyOptional({
    example: ['العراق', 'صلاح الدين'],
    description: 'Categories/tags; hashtags in the text are added',
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @NoControlChars({ each: true })
  topics?: string[];
}

/**
 * Many articles in one request, for a CMS catching up. Only the envelope is checked here: each article is
 * validated on its own, so one bad article fails alone (with its reason) instead of refusing the batch.
 */
export class PushArticleBatchDto {
  @ApiProperty({ type: [PushArticleDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsObject({ each: true, message: 'each of articles must be an article object' })
  articles: object[];
}

export class PushResultDto {
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty({ description: 'Already stored exactly so' }) unchanged: number;
  @ApiProperty({ description: 'Not stored (duplicate in the batch)' }) skipped: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'One entry per article sent, in order: { outcome, id?, url?, reason? }' })
  articles: Array<{ outcome: string; id?: string; url?: string; reason?: string }>;
}
