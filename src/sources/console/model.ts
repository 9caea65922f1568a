/**
 * The shapes carried on the `console` state topic (defined in `@livegate/protocol`, shared with
 * the SDK and the dashboard) and the server's helpers over them: keys, labels, equality.
 *
 * These are platform-neutral: a Kafka platform fills the same fields (see
 * docs/integrations/console.md), so the dashboard and clients never learn which streaming
 * platform is behind the console.
 *
 * @module
 */

export {
  CONSOLE_EVENTS,
  CONSOLE_TOPIC,
  type CanaryLatency,
  type ConsoleCluster,
  type ConsoleEventType,
  type ConsoleGroup,
  type ConsoleMetrics,
  type ConsoleSnapshot,
  type ConsoleTopic,
  type GroupRates,
  type RoundCost,
  type RoundTotals,
  type StorageUsage,
  type TopicRates,
} from '@livegate/protocol';
import type { ConsoleTopic } from '@livegate/protocol';

/** Map key of a group: topic and name cannot contain NUL. */
export function groupKey(topic: string, name: string): string {
  return `${topic}\u0000${name}`;
}

/** Labels of a topic event: matchers such as `{topic="orders"}` select them. */
export function topicLabels(cluster: string, topic: string): Record<string, string> {
  return { cluster, topic };
}

/** Labels of a group event. */
export function groupLabels(cluster: string, topic: string, group: string): Record<string, string> {
  return { cluster, topic, group };
}

/** Field-by-field equality of two topics. */
export function sameTopic(a: ConsoleTopic, b: ConsoleTopic): boolean {
  return (
    a.messages === b.messages &&
    a.bytes === b.bytes &&
    a.firstSeq === b.firstSeq &&
    a.lastSeq === b.lastSeq &&
    a.consumers === b.consumers &&
    a.retention === b.retention &&
    a.maxAgeSeconds === b.maxAgeSeconds &&
    a.subjects.length === b.subjects.length &&
    a.subjects.every((s, i) => s === b.subjects[i])
  );
}
