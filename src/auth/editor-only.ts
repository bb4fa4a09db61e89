import { applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { EditorAuthGuard } from './editor-auth.guard';
import { SignInRedirectFilter } from './newsroom-page';

/**
 * Marks a machine-API controller or route as editor-only: the EDITOR_TOKEN bearer, a scoped token, or a signed-in
 * editor's session (with the CSRF token on unsafe methods). Documented so in Swagger. The filter answers a
 * session's missing step-up (StepUpRequired) with 403 JSON.
 */
export function EditorOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(EditorAuthGuard),
    UseFilters(SignInRedirectFilter),
    ApiBearerAuth('editor'),
    ApiUnauthorizedResponse({ description: 'Missing or wrong editor token, and no editor session' }),
    ApiForbiddenResponse({ description: 'Editor session without a valid CSRF token (X-CSRF-Token)' }),
  );
}
