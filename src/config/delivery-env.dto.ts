import { Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { emptyToUndefined, toInt } from './env-transforms';

/** `BOUNCE_IMAP_URL`: an imap(s):// URL with a host; the message never repeats the value (it holds a password). */
@ValidatorConstraint({ name: 'isImapUrl' })
class IsImapUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    try {
      const url = new URL(String(value));
      return (url.protocol === 'imap:' || url.protocol === 'imaps:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'BOUNCE_IMAP_URL must be an imap:// or imaps:// URL such as imaps://user:password@host:993/INBOX';
  }
}

/**
 * The environment variables of sending mail: the SMTP server, pace, retries, bounces and DKIM. EnvDto extends
 * this class, so class-validator and class-transformer see these properties as EnvDto's own.
 */
export class DeliveryEnvDto {
  @Transform(emptyToUndefined)
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  @IsOptional()
  SMTP_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMTP_POOL_SIZE = 5;

  @IsString()
  @IsOptional()
  OUTBOX_DIR?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SEND_RATE_PER_SECOND = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  DELIVERY_BATCH_SIZE = 200;

  /** How far V8 lets a sending process's heap grow past its live size before a full collection (0: V8's own). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(400)
  WORKER_HEAP_GROWTH_PERCENT = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  DELIVERY_MAX_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  DELIVERY_RETRY_BASE_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  DELIVERY_LEASE_SECONDS = 120;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  DELIVERY_FAILURE_PAUSE_PERCENT = 20;

  /** First pause of all sending when the SMTP server cannot be reached; doubles on each further failed try. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SMTP_OUTAGE_BACKOFF_SECONDS = 15;

  /** Longest pause between two tries of an unreachable SMTP server. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SMTP_OUTAGE_MAX_WAIT_SECONDS = 300;

  @IsString()
  @IsOptional()
  UNSUBSCRIBE_MAILTO?: string;

  /** Key of the HMAC-SHA256 signature (X-Nashra-Signature) on POST /webhooks/bounces; unset: the route is off. */
  @IsString()
  @MinLength(16, { message: 'BOUNCE_WEBHOOK_SECRET must be at least 16 characters' })
  @IsOptional()
  BOUNCE_WEBHOOK_SECRET?: string;

  /** Mailgun's HTTP webhook signing key: turns on POST /webhooks/bounces/mailgun. */
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'MAILGUN_WEBHOOK_SIGNING_KEY must be at least 16 characters' })
  @IsOptional()
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;

  /** Soft bounces (mailbox full…) within SOFT_BOUNCE_WINDOW_DAYS that make a reader bounced. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOFT_BOUNCE_LIMIT = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOFT_BOUNCE_WINDOW_DAYS = 30;

  /** The bounce mailbox, imaps://user:password@host:993/INBOX; unset: no mailbox is polled. */
  @Transform(emptyToUndefined)
  @IsString()
  @Validate(IsImapUrl)
  @IsOptional()
  BOUNCE_IMAP_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  BOUNCE_IMAP_POLL_SECONDS = 60;

  @IsString()
  @IsOptional()
  DKIM_DOMAIN?: string;

  @IsString()
  @IsOptional()
  DKIM_SELECTOR?: string;

  @IsString()
  @IsOptional()
  DKIM_PRIVATE_KEY_FILE?: string;

  @IsString()
  @IsOptional()
  DKIM_ED25519_SELECTOR?: string;

  @IsString()
  @IsOptional()
  DKIM_ED25519_PRIVATE_KEY_FILE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  DELIVERY_RETENTION_DAYS = 180;
}
