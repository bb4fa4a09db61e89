import { dirname, join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { TEMPLATES_DIR } from '../common/templates-dir';
import { Public } from '../common/public-route';

// The only files served: the stylesheet, the dashboard's, engagement's and next digest's scripts, and htmx and Chart.js straight from node_modules (no build step).
const ASSETS: Record<string, string> = {
  'newsroom.css': join(TEMPLATES_DIR, 'newsroom', 'newsroom.css'),
  'dashboard.js': join(TEMPLATES_DIR, 'newsroom', 'dashboard.js'),
  'engagement-charts.js': join(TEMPLATES_DIR, 'newsroom', 'engagement-charts.js'),
  'next-digest.js': join(TEMPLATES_DIR, 'newsroom', 'next-digest.js'),
  // Beside each package's main file (their `exports` maps do not list these paths).
  'htmx.min.js': join(dirname(require.resolve('htmx.org')), 'htmx.min.js'),
  'passkeys.js': join(TEMPLATES_DIR, 'newsroom', 'passkeys.js'),
  // @simplewebauthn/browser's UMD build (the global SimpleWebAuthnBrowser), the counterpart of the server library.
  'simplewebauthn-browser.js': join(
    dirname(require.resolve('@simplewebauthn/browser')),
    '..',
    'dist',
    'bundle',
    'index.umd.min.js',
  ),
  'chart.umd.min.js': join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
};

/** Static files of the newsroom: public (they hold nothing private), cached for an hour. */
@ApiExcludeController()
@Controller('admin/assets')
@Public()
export class NewsroomAssetsController {
  @Get(':name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const path = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!path) {
      throw new NotFoundException();
    }
    res.set('Cache-Control', 'public, max-age=3600').sendFile(path);
  }
}
