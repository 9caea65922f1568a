/**
 * The console API under `/api/v1/console`: list topics and groups, create and delete topics.
 *
 * Reads answer from the source's published view, so every livegate node answers the same; writes go
 * to the platform and resolve once their event is on the bus, so a caller that then subscribes (or
 * is subscribed) has seen it. Every refusal names the field at fault: `name`, `subjects[1]`,
 * `topic`, `limit`. Writes are tagged `access: 'admin'`: the server's one access check decides who
 * may make them (loopback and `auth.writeAllowFrom` without credentials, else an admin key or token).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fieldPath } from '../../core/field-path.js';
import { LivegateError } from '../../errors.js';
import type { SourceContext, SourceRoutes } from '../source.js';
import type { ConsoleGroup, ConsoleTopic } from './model.js';
import { subjectProblem, TOPIC_NAME_PATTERN, TOPIC_NAME_RULE } from './names.js';
import { PlatformError, type TopicSpec } from './platform.js';

/** Path prefix of the console API. */
export const CONSOLE_API_PREFIX = '/api/v1/console';
/** Largest body of `POST /api/v1/console/topics`, in bytes. */
export const MAX_CONSOLE_BODY_BYTES = 16 * 1024;
/** Most subjects of one topic. */
export const MAX_SUBJECTS = 64;
/** Default and largest page of a listing. */
export const PAGE = { default: 1_000, max: 10_000 } as const;
/** Longest `maxAgeSeconds`: ten years (JetStream keeps it in nanoseconds, well within int64). */
const MAX_AGE_SECONDS = 10 * 365 * 24 * 3600;

/** What the routes need from the console source. */
export interface ConsoleApi {
  topics(): ConsoleTopic[];
  groups(topic?: string): ConsoleGroup[];
  createTopic(spec: TopicSpec): Promise<ConsoleTopic>;
  deleteTopic(name: string): Promise<void>;
  /** Receives the server's context when the routes are registered (for relaying writes). */
  attach?(ctx: SourceContext): void;
}

const topicName = z.string().max(1024).regex(TOPIC_NAME_PATTERN, TOPIC_NAME_RULE);

const subject = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    const problem = subjectProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    else if (value.startsWith('$'))
      ctx.addIssue({ code: 'custom', message: 'subjects starting with "$" are reserved' });
  });

const positive = (max: number) => z.number().int('must be an integer').min(1).max(max);

/** Schema of the `POST /api/v1/console/topics` body. */
export const CreateTopicSchema = z.strictObject({
  name: topicName,
  subjects: z
    .array(subject)
    .min(1)
    .max(MAX_SUBJECTS)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [i, s] of list.entries()) {
        if (seen.has(s)) ctx.addIssue({ code: 'custom', path: [i], message: `"${s}" is listed twice` });
        seen.add(s);
      }
    })
    .optional(),
  maxMessages: positive(Number.MAX_SAFE_INTEGER).optional(),
  maxBytes: positive(Number.MAX_SAFE_INTEGER).optional(),
  maxAgeSeconds: positive(MAX_AGE_SECONDS).optional(),
});

/** Validates a create body into a {@link TopicSpec} (subjects default to `<name>.>`). */
export function parseCreateTopic(body: unknown): TopicSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LivegateError('invalid_body', 'body must be a JSON object such as {"name":"orders"}', { field: 'body' });
  const parsed = CreateTopicSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path);
    throw new LivegateError('invalid_body', `${field}: ${issue.message}`, { field });
  }
  const { name, subjects, ...limits } = parsed.data;
  return { name, subjects: subjects ?? [`${name}.>`], ...limits };
}

/** A query parameter given once, as text; `undefined` when absent. */
function param(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new LivegateError('invalid_param', `${name} must be given once`, { field: name });
  return value;
}

function integerParam(query: unknown, name: string, fallback: number, min: number, max: number): number {
  const text = param(query, name);
  if (text === undefined) return fallback;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new LivegateError('invalid_param', `${name} must be an integer from ${min} to ${max}`, { field: name });
  return value;
}

/** `limit` and `offset` of a listing. */
function page(query: unknown): { limit: number; offset: number } {
  return {
    limit: integerParam(query, 'limit', PAGE.default, 1, PAGE.max),
    offset: integerParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function nameParam(value: string, field: string): string {
  if (!TOPIC_NAME_PATTERN.test(value))
    throw new LivegateError('invalid_param', `${field}: ${TOPIC_NAME_RULE}`, { field });
  return value;
}

/** A platform failure as the API error a caller sees. */
export function apiError(error: unknown, field: string): unknown {
  if (!(error instanceof PlatformError)) return error;
  switch (error.kind) {
    case 'unreachable':
      return new LivegateError('console_unavailable', error.message, { cause: error });
    case 'not_found':
      return new LivegateError('not_found', error.message, { field, cause: error });
    case 'exists':
      return new LivegateError('conflict', error.message, { field: 'name', cause: error });
    case 'subjects_conflict':
      return new LivegateError('conflict', error.message, { field: 'subjects', cause: error });
    case 'rejected':
      return new LivegateError('invalid_body', error.message, { cause: error });
  }
}

async function answer<T>(field: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiError(error, field);
  }
}

/** The console API as a source's routes. See the module comment. */
export function consoleRoutes(api: ConsoleApi): SourceRoutes {
  const write = { config: { access: 'admin' as const } };
  return {
    prefix: CONSOLE_API_PREFIX,
    plugin(app: FastifyInstance, ctx: SourceContext): void {
      api.attach?.(ctx);
      app.get('/topics', async (request) => {
        const { limit, offset } = page(request.query);
        const topics = await answer('name', () => api.topics());
        return { total: topics.length, offset, limit, topics: topics.slice(offset, offset + limit) };
      });
      app.post('/topics', { ...write, bodyLimit: MAX_CONSOLE_BODY_BYTES }, async (request, reply) => {
        const spec = parseCreateTopic(request.body);
        const topic = await answer('name', () => api.createTopic(spec));
        return reply.status(201).send(topic);
      });
      app.delete<{ Params: { name: string } }>('/topics/:name', write, async (request, reply) => {
        const name = nameParam(request.params.name, 'name');
        await answer('name', () => api.deleteTopic(name));
        return reply.status(204).send();
      });
      app.get('/groups', async (request) => {
        const topicText = param(request.query, 'topic');
        const topic = topicText === undefined ? undefined : nameParam(topicText, 'topic');
        const { limit, offset } = page(request.query);
        const groups = await answer('topic', () => api.groups(topic));
        return { total: groups.length, offset, limit, groups: groups.slice(offset, offset + limit) };
      });
    },
  };
}
