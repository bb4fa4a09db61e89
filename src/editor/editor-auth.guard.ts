import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../common/secure-token';

/** Admin API access: `Authorization: Bearer <EDITOR_TOKEN>`. */
@Injectable()
export class EditorAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !safeEqual(match[1], this.config.editorToken)) {
      throw new UnauthorizedException('An editor token is required (Authorization: Bearer <EDITOR_TOKEN>)');
    }
    return true;
  }
}

/** Marks a controller or route as editor-only, and documents it so in Swagger. */
export function EditorOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(EditorAuthGuard),
    ApiBearerAuth('editor'),
    ApiUnauthorizedResponse({ description: 'Missing or wrong editor token' }),
  );
}
