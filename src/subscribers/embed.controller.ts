import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { ReaderPages } from './reader-pages';
import { Public } from '../common/public-route';

/**
 * The footer form for news sites: `/embed/form` to iframe (or copy), `/embed/nashra.js` to enhance a copied
 * form so it posts without reloading the article.
 */
@ApiExcludeController()
@Controller('embed')
@Public()
export class EmbedController {
  constructor(
    private readonly pages: ReaderPages,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  /** `?newsletters=daily,breaking` offers (and ticks) only those newsletters on this page. */
  @Get('form')
  async form(
    @Query('page') page: unknown,
    @Query('redirect') redirect: unknown,
    @Query('newsletters') newsletters: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const only = typeof newsletters === 'string' && newsletters.length <= 500 ? newsletters.split(',') : undefined;
    const html = this.pages.html('readers-embed-form', {
      title: this.locale.t('readers.form.title'),
      scriptUrl: this.config.url('/embed/nashra.js'),
      ...this.pages.formContext({
        page: articleUrl(page) ?? articleUrl(req.get('referer')),
        redirect: articleUrl(redirect),
        newsletters: await this.pages.formNewsletters(only?.map((slug) => slug.trim())),
        embedded: true,
      }),
    });
    // Only the configured sites may frame the form: Content-Security-Policy set by readerSecurityHeaders.
    res.status(200).type('html').send(html);
  }

  @Get('nashra.js')
  script(@Res() res: Response): void {
    res
      .status(200)
      .type('application/javascript; charset=utf-8')
      .setHeader('Cache-Control', 'public, max-age=3600')
      .send(this.enhancer());
  }

  private scriptText?: string;

  /**
   * Progressive enhancement for every `form[data-nashra]`: posts JSON with fetch and puts nashra's Arabic
   * answer into the form's aria-live region, so screen readers announce it and the page does not reload.
   * Plain ES5 + fetch, so it runs in any browser still in use; without fetch the form simply posts.
   */
  private enhancer(): string {
    this.scriptText ??= `(function () {
  'use strict';
  var sending = ${JSON.stringify(this.locale.t('readers.form.sending'))};
  var failed = ${JSON.stringify(this.locale.t('readers.errors.server'))};
  var emailRequired = ${JSON.stringify(this.locale.t('readers.errors.emailRequired'))};
  var emailInvalid = ${JSON.stringify(this.locale.t('readers.errors.email'))};
  var framed = window.parent !== window;
  // Inside nashra's iframe: tell the host page how tall the content is, so the answer is never out of sight.
  // The root's own box, not scrollHeight (never less than the frame's height): the frame shrinks as well as grows.
  function reportHeight() {
    if (framed) {
      parent.postMessage({ nashra: 'height', height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, '*');
    }
  }
  // On the host page: size nashra's iframes to what they report (only from the frame's own window and origin).
  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || data.nashra !== 'height' || typeof data.height !== 'number') { return; }
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source && frames[i].src.indexOf(event.origin + '/') === 0) {
        frames[i].style.height = Math.min(Math.ceil(data.height), 4000) + 'px';
      }
    }
  });
  // The browser's own validation bubbles speak the browser's language: give them nashra's Arabic words.
  function validateInArabic(field) {
    field.addEventListener('invalid', function () {
      field.setAttribute('aria-invalid', 'true');
      if (field.type === 'email') {
        field.setCustomValidity(field.validity.valueMissing ? emailRequired : field.validity.typeMismatch ? emailInvalid : '');
      }
    });
    field.addEventListener('input', function () {
      field.setCustomValidity('');
      field.removeAttribute('aria-invalid');
    });
  }
  function enhance(form) {
    if (form.__nashra) { return; }
    form.__nashra = true;
    // Served with novalidate so that, without this script, the server answers in Arabic; with it, the
    // browser checks first, in nashra's Arabic words (validateInArabic).
    form.noValidate = false;
    var status = form.querySelector('[aria-live]');
    var fields = form.querySelectorAll('input');
    for (var f = 0; f < fields.length; f++) { validateInArabic(fields[f]); }
    form.addEventListener('submit', function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (value, key) {
        // Checkboxes: every ticked newsletter, as a list.
        if (key === 'newsletters') { (data.newsletters = data.newsletters || []).push(value); } else { data[key] = value; }
      });
      if (!data.page) { data.page = window.top === window ? location.href.split('#')[0] : (document.referrer || undefined); }
      delete data.redirect;
      var button = form.querySelector('[type=submit]');
      if (button) { button.disabled = true; }
      if (status) { status.className = 'status'; status.textContent = sending; }
      fetch(form.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(data),
        credentials: 'omit'
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (status) {
            status.className = 'status ' + (response.ok ? 'success' : 'error');
            status.textContent = body.message || failed;
          }
          var email = form.querySelector('[name=email]');
          if (email && response.status === 400) { email.setAttribute('aria-invalid', 'true'); }
          if (response.ok) { form.reset(); }
          reportHeight();
        });
      }).catch(function () {
        if (status) { status.className = 'status error'; status.textContent = failed; }
      }).then(function () {
        if (button) { button.disabled = false; }
      });
    });
  }
  function start() {
    var forms = document.querySelectorAll('form[data-nashra]');
    for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
    reportHeight();
    if (framed && window.ResizeObserver) { new ResizeObserver(reportHeight).observe(document.documentElement); }
    window.addEventListener('resize', reportHeight);
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
`;
    return this.scriptText;
  }
}

function articleUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048 || /[<>"'\s\p{Cc}]/u.test(value)) {
    return undefined;
  }
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
