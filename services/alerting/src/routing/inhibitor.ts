import { compileMatcher, matchesAll, type LabelMatcher, type Labels } from '../matching/label-matcher.js';
import type { InhibitRuleConfig } from './alerting-config.js';

/** Decides whether an alert is muted by other firing alerts. */
export interface Inhibitor {
  /**
   * True when some rule mutes `target`: the target matches the rule's target matchers and some
   * alert of `firingSources` matches its source matchers with equal values for every `equal`
   * label. `firingSources` should be the currently firing alerts (the target among them is fine).
   */
  inhibitedBy(target: Labels, firingSources: Iterable<Labels>): boolean;
}

interface CompiledRule {
  readonly source: readonly LabelMatcher[];
  readonly target: readonly LabelMatcher[];
  readonly equal: readonly string[];
}

// Label values compare as Alertmanager's do: a missing label and an empty one are the same.
function sameValues(a: Labels, b: Labels, names: readonly string[]): boolean {
  return names.every((n) => (a[n] ?? '') === (b[n] ?? ''));
}

function mutes(rule: CompiledRule, target: Labels, sources: readonly Labels[]): boolean {
  if (!matchesAll(rule.target, target)) return false;
  // Alertmanager: when the target also matches the source side, alerts that match both sides
  // cannot inhibit it, so a rule never mutes an alert by itself or by its own kind.
  const twoSided = matchesAll(rule.source, target);
  return sources.some(
    (source) => matchesAll(rule.source, source) && sameValues(source, target, rule.equal) && !(twoSided && matchesAll(rule.target, source)),
  );
}

/** Compiles inhibition rules (Alertmanager's `inhibit_rules`). */
export function createInhibitor(rules: readonly InhibitRuleConfig[]): Inhibitor {
  const compiled: CompiledRule[] = rules.map((r) => ({
    source: r.sourceMatchers.map((m) => compileMatcher(m)),
    target: r.targetMatchers.map((m) => compileMatcher(m)),
    equal: r.equal,
  }));
  return {
    inhibitedBy(target, firingSources) {
      if (compiled.length === 0) return false;
      // Read the iterable once: it may be a one-shot generator and every rule needs it.
      const sources = Array.isArray(firingSources) ? (firingSources as readonly Labels[]) : Array.from(firingSources);
      return compiled.some((rule) => mutes(rule, target, sources));
    },
  };
}
