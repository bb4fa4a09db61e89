import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ArticleClicksDto {
  @ApiProperty() articleId: string;
  @ApiProperty({ description: 'Title now (the article may have been edited since)' }) title: string;
  @ApiProperty({ description: "The article's place in the edition, 1-based" }) position: number;
  @ApiProperty({ description: 'Readers who followed its link (each once)' }) clicks: number;
  @ApiProperty({ description: '1 = most clicked; equal counts share a rank' }) rank: number;
}

export class OpensDto {
  @ApiProperty({ description: "Readers' own opens (machine fetches never counted here)" }) readers: number;
  @ApiProperty({ description: 'Deliveries whose pixel was only fetched by a machine (privacy proxy, prefetch)' })
  machineOnly: number;
  @ApiProperty({ description: 'readers / delivered' }) rate: number;
}

export class EditionStatsDto {
  @ApiProperty() editionId: string;
  @ApiProperty({ description: 'Deliveries accepted by the mail server' }) delivered: number;
  @ApiProperty({ description: 'Readers who followed at least one link' }) uniqueClickers: number;
  @ApiProperty({ description: 'uniqueClickers / delivered (0…1)' }) clickRate: number;
  @ApiProperty({
    type: [Number],
    description: 'Clicks in each hour of the first 48 after sending started (empty before it started)',
  })
  clicksByHour: number[];
  @ApiProperty({ type: [ArticleClicksDto], description: 'Most clicked first' }) articles: ArticleClicksDto[];
  @ApiPropertyOptional({ type: OpensDto, description: 'Only when OPEN_TRACKING=on' }) opens?: OpensDto;
}

export class TopicClicksDto {
  @ApiProperty() topic: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Clicks on articles of the topic' }) clicks: number;
  @ApiProperty({ description: 'Readers who clicked at least one of them' }) readers: number;
}

export class TopicStatsDto {
  @ApiProperty() since: Date;
  @ApiProperty({ type: [TopicClicksDto] }) topics: TopicClicksDto[];
}
