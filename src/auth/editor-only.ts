import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { EditorAuthGuard } from './editor-auth.guard';

/**
 * Marks a machine-API controller or route as editor-only: the EDITOR_TOKEN bearer, or a signed-in editor's
 * session (with the CSRF token on unsafe methods). Documented so in Swagger.
 */
export function EditorOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(EditorAuthGuard),
    ApiBearerAuth('editor'),
    ApiUnauthorizedResponse({ description: 'Missing or wrong editor token, and no editor session' }),
    ApiForbiddenResponse({ description: 'Editor session without a valid CSRF token (X-CSRF-Token)' }),
  );
}
