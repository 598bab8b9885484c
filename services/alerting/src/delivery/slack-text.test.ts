import { describe, expect, it } from 'vitest';
import { clip, escapeMrkdwn, mrkdwnLink } from './slack-text.js';

describe('slack text helpers', () => {
  it('clip leaves short text alone and ends cut text with an ellipsis, never half an emoji', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('abcdefghij', 5)).toBe('abcd…');
    expect(clip('ab🚨cd', 4)).toBe('ab…');
  });

  it('escapeMrkdwn escapes the three characters Slack reserves', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('mrkdwnLink links http(s) URLs only, so an annotation cannot end the link early', () => {
    expect(mrkdwnLink('https://x.example/a?b=1&c=2', 'Runbook')).toBe('<https://x.example/a?b=1&amp;c=2|Runbook>');
    expect(mrkdwnLink('https://x.example/a|<!channel>', 'R')).toBe('<https://x.example/a%7C%3C!channel%3E|R>');
    expect(mrkdwnLink('javascript:alert(1)', 'R')).toBeUndefined();
    expect(mrkdwnLink('not a url', 'R')).toBeUndefined();
  });
});
