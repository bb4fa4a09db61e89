import { isIP } from 'node:net';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { DeliveryEnvDto } from './delivery-env.dto';
import { emptyToUndefined, toInt } from './env-transforms';

/** The addresses of `DNS_SERVERS` as `dns.Resolver#setServers` takes them, or null when one is not ip[:port]. */
export function parseDnsServers(value: string): string[] | null {
  const servers = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const valid = servers.every((server) => {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
    if (bracketed) {
      return isIP(bracketed[1]) === 6 && portOk(bracketed[2]);
    }
    if (isIP(server) !== 0) {
      return true;
    }
    const withPort = /^([\d.]+):(\d{1,5})$/.exec(server);
    return Boolean(withPort && isIP(withPort[1]) === 4 && portOk(withPort[2]));
  });
  return servers.length > 0 && valid ? servers : null;
}

function portOk(port: string | undefined): boolean {
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

@ValidatorConstraint({ name: 'isDnsServers' })
class IsDnsServers implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseDnsServers(value) !== null;
  }
  defaultMessage(): string {
    return 'DNS_SERVERS must be a comma-separated list of IP addresses, each with an optional :port (e.g. 10.0.0.2,10.0.0.3:5353)';
  }
}

/**
 * The environment variables of deliverability: where the domain's DNS is asked, when complaints pause an
 * edition. EnvDto extends this class (which extends DeliveryEnvDto).
 */
export class DeliverabilityEnvDto extends DeliveryEnvDto {
  /** Resolvers the DNS checks ask (split-horizon networks, tests); unset: the system's. */
  @Transform(emptyToUndefined)
  @IsString()
  @Validate(IsDnsServers)
  @IsOptional()
  DNS_SERVERS?: string;

  /** Complaints per thousand delivered that pause an edition (from 200 delivered, or from 2 complaints on a smaller send). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  COMPLAINT_PAUSE_PERMILLE = 3;

  /** Warm-up of a new domain: messages allowed on its first day of sending (0: no warm-up, no daily cap). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WARMUP_START_PER_DAY = 0;

  /** Warm-up: how much the daily allowance grows each day, in percent. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WARMUP_GROWTH_PERCENT = 50;
}
