import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SignedInEditor } from './signed-in-editor';

export type { SignedInEditor } from './signed-in-editor';

/** Where the guards leave the signed-in editor for `@CurrentEditor()`. */
export const EDITOR_KEY = 'nashraSignedInEditor';

/**
 * The signed-in editor of a `@NewsroomPage()` route (or of an `@EditorOnly()` route reached with a session;
 * undefined there when the bearer token was used).
 */
export const CurrentEditor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SignedInEditor | undefined =>
    (context.switchToHttp().getRequest<Request>() as unknown as Record<string, SignedInEditor | undefined>)[EDITOR_KEY],
);

/**
 * Who is acting on an `@EditorOnly()` route, for `AuditLog.record`: the signed-in editor, or 'api-token'
 * when the request came with the EDITOR_TOKEN bearer.
 */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SignedInEditor | 'api-token' =>
    (context.switchToHttp().getRequest<Request>() as unknown as Record<string, SignedInEditor | undefined>)[
      EDITOR_KEY
    ] ?? 'api-token',
);
