import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { Express } from 'express';
import { PERMISSION_KEY, PUBLIC_KEY } from '../../src/auth/require-permission';
import type { Permission } from '../../src/auth/permissions';
import type { TestApp } from './test-app';

export interface DeclaredRoute {
  /** e.g. 'POST' */
  method: string;
  /** Express's path, e.g. '/admin/readers/:id/erase' */
  path: string;
  /** `Controller.method`, to name the route in failures. */
  handler: string;
  permission?: Permission;
  isPublic: boolean;
  /** Names of the guards on the route or its controller. */
  guards: string[];
}

const join = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');

/** Every route of every controller the app mounted, with what it declares (read from Nest's metadata). */
export function declaredRoutes(t: TestApp): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
      if (!controller) {
        continue;
      }
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const fn = proto[name];
        if (name === 'constructor' || typeof fn !== 'function') {
          continue;
        }
        const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
        if (method === undefined || paths === undefined) {
          continue;
        }
        const guards = [
          ...((Reflect.getMetadata(GUARDS_METADATA, controller) as { name: string }[] | undefined) ?? []),
          ...((Reflect.getMetadata(GUARDS_METADATA, fn) as { name: string }[] | undefined) ?? []),
        ].map((g) => g.name);
        for (const prefix of prefixes) {
          for (const path of [paths].flat()) {
            routes.push({
              method: RequestMethod[method],
              path: join(prefix ?? '', path),
              handler: `${controller.name}.${name}`,
              permission: (Reflect.getMetadata(PERMISSION_KEY, fn) ??
                Reflect.getMetadata(PERMISSION_KEY, controller)) as Permission | undefined,
              isPublic: Boolean(Reflect.getMetadata(PUBLIC_KEY, fn) ?? Reflect.getMetadata(PUBLIC_KEY, controller)),
              guards,
            });
          }
        }
      }
    }
  }
  return routes;
}

/**
 * Every route in Express's router (Nest's controllers and what Swagger or the app mounted directly), leaving out
 * middleware Nest mounts for every method (`forRoutes({ method: ALL })`), which answers nothing itself; each
 * (method, path) once.
 */
export function expressRoutes(t: TestApp): { method: string; path: string }[] {
  const express = t.app.getHttpAdapter().getInstance() as Express;
  const stack = (express as unknown as { router: { stack: { route?: { path: string; methods: object } }[] } }).router
    .stack;
  return stack
    .filter((layer) => layer.route && Object.keys(layer.route.methods).length < 10)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => ({ method: m.toUpperCase(), path: layer.route!.path })),
    )
    .filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i);
}

/** A path with its parameters filled in (`:id` → `1`), for requests that only need to reach the guard. */
export function concrete(path: string): string {
  return path.replace(/:\w+/g, '1').replace(/\*\w+/g, 'x');
}
