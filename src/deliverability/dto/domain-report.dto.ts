import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class DomainReportQueryDto {
  @ApiPropertyOptional({ enum: ['1', '0'], description: '1: ask the DNS again instead of answering the cached report' })
  @IsIn(['1', '0', 'true', 'false'], { message: 'refresh يقبل 1 أو 0 فقط' })
  @IsOptional()
  refresh?: string;
}

export class DomainCheckDto {
  @ApiProperty({ enum: ['spf', 'dkim', 'dmarc', 'mx', 'mta-sts', 'bimi'] })
  name!: string;

  @ApiProperty({ enum: ['pass', 'warn', 'fail'] })
  status!: string;

  @ApiProperty({ description: 'What the check found, in Arabic' })
  detail!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'In Arabic, the exact record to publish; null when it passes',
  })
  fix!: string | null;

  @ApiPropertyOptional({
    description: 'The record of `fix` on its own, to copy into the DNS zone',
    example: { name: '_dmarc.example.net', type: 'TXT', value: 'v=DMARC1; p=quarantine' },
  })
  record?: { name: string; type: 'TXT'; value: string };

  @ApiPropertyOptional({
    description:
      "For the server's administrator, when the fix is in nashra's settings: the environment variables to set, " +
      'a command to run, the error met (the Arabic detail and fix name no variable)',
    example: { settings: ['DKIM_DOMAIN=example.net', 'DKIM_SELECTOR=nashra'], command: 'openssl genpkey …' },
  })
  admin?: { settings: string[]; command?: string; error?: string };
}

export class DomainReportDto {
  @ApiProperty({ example: 'example.net', description: "MAIL_FROM's domain" })
  domain!: string;

  @ApiProperty({ description: 'When the DNS was asked (ISO 8601)' })
  checkedAt!: string;

  @ApiProperty({ type: [DomainCheckDto] })
  checks!: DomainCheckDto[];
}
