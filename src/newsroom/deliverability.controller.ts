import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EditorAuthGuard } from '../auth/editor-auth.guard';
import { EditorSessions } from '../auth/editor-sessions';
import { RequirePermission } from '../auth/require-permission';
import { NewsroomPageGuard, SignInRedirectFilter } from '../auth/newsroom-page';
import { DomainReportDto, DomainReportQueryDto } from '../deliverability/dto/domain-report.dto';
import { DomainReadiness } from '../deliverability/domain-readiness';
import { ProviderRateReport } from '../deliverability/provider-rates';
import { WarmUp } from '../deliverability/warm-up';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { NewsroomView } from './newsroom-view';

const TONES = { pass: 'ok', warn: 'warn', fail: 'error' } as const;
const LABELS: Record<string, string> = {
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  mx: 'MX',
  'mta-sts': 'MTA-STS',
  bimi: 'BIMI',
};

/** A browser asks for text/html; a script (no Accept, or JSON, or a bearer token) gets the API's answers. */
function wantsJson(req: Request): boolean {
  return Boolean(req.headers.authorization) || !/\btext\/html\b/.test(req.headers.accept ?? '');
}

/**
 * One address, two readers: a script with the EDITOR_TOKEN bearer gets JSON; a signed-in editor's browser gets the
 * page (a browser without a session is sent to sign in, as on every newsroom page).
 */
@Injectable()
export class BearerOrNewsroomPageGuard implements CanActivate {
  constructor(
    private readonly api: EditorAuthGuard,
    private readonly page: NewsroomPageGuard,
  ) {}

  /** The API's rules (bearer, scoped tokens, the route's permission) for JSON; the newsroom's for the page. */
  canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    // A browser asks for text/html; a script (no Accept, or JSON) gets the API's answers, 401 without a token.
    return wantsJson(req) ? this.api.canActivate(context) : this.page.canActivate(context);
  }
}

/** `/admin/deliverability`: is MAIL_FROM's domain ready to send (SPF, DKIM, DMARC, MX…), and what to publish. */
@ApiTags('deliverability')
@Controller('admin/deliverability')
@UseGuards(BearerOrNewsroomPageGuard)
@RequirePermission('stats.view')
@UseFilters(SignInRedirectFilter)
export class DeliverabilityController {
  constructor(
    private readonly sessions: EditorSessions,
    private readonly readiness: DomainReadiness,
    private readonly rates: ProviderRateReport,
    private readonly view: NewsroomView,
    private readonly locale: Locale,
    private readonly config: AppConfig,
    private readonly warmUp: WarmUp,
  ) {}

  @Get()
  @ApiBearerAuth('editor')
  @ApiOperation({
    summary:
      "DNS checks of MAIL_FROM's domain (spf, dkim, dmarc, mx, mta-sts, bimi): pass, warn or fail, with the record to publish",
  })
  @ApiOkResponse({ type: DomainReportDto })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong editor token' })
  async show(@Query() query: DomainReportQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const report = await this.readiness.report(query.refresh === '1' || query.refresh === 'true');
    if (wantsJson(req)) {
      res.json({ domain: report.domain, checkedAt: report.checkedAt, checks: report.checks });
      return;
    }
    const [providers, plan] = await Promise.all([this.rates.lastDays(), this.warmUp.plan()]);
    const t = (key: string, vars: Record<string, string | number> = {}) =>
      this.locale.t(`deliverability.screen.${key}`, vars);
    const tally = (status: string) => report.checks.filter((c) => c.status === status).length;
    await this.view.page(
      req,
      res,
      'deliverability',
      {
        report,
        checks: report.checks.map((c) => ({
          ...c,
          label: LABELS[c.name] ?? c.name,
          tone: TONES[c.status],
          statusLabel: t(c.status),
        })),
        summary: t('summary', { pass: tally('pass'), warn: tally('warn'), fail: tally('fail') }),
        publishThis: t('publishThis'),
        recordLabels: { name: t('recordName'), type: t('recordType'), value: t('recordValue') },
        providers,
        gmail: providers.gmail,
        permille: this.config.deliverability.complaintPausePermille,
        warmUp: { ...plan, started: plan.startedOn ?? plan.today.day },
        // Only the administrator's: shown collapsed, to those who manage the settings (editors read the Arabic).
        warmUpAdmin: { settings: ['WARMUP_START_PER_DAY', 'WARMUP_GROWTH_PERCENT'] },
      },
      { title: t('title') },
    );
  }
}
