import { describe, expect, it } from 'vitest';
import { translationIndex } from '../../../lib/translate/translation-index';
import type { WorkloadInstance } from '../../../lib/translate';
import { instance, model } from '../../support/controller-fixtures';

const mesh = model();
const pod = (name: string, address: string, labels: Record<string, string> = { app: 'reviews' }): WorkloadInstance => ({ ...instance('reviews', address, labels), name });
const names = (workloads: readonly WorkloadInstance[]) => workloads.map((w) => `${w.name}@${w.address}`);

describe('the label index across workload changes', () => {
  it('follows an endpoint that moved in place: its groups hold the new instance, with a new digest', () => {
    const before = [pod('a', '10.0.0.1'), pod('b', '10.0.0.2'), pod('c', '10.0.0.3', { app: 'ratings' })];
    const first = translationIndex(mesh, before);
    const digest = first.candidatesDigest('default', 'app', 'reviews');
    const ratings = first.candidatesDigest('default', 'app', 'ratings');
    const after = [before[0]!, pod('b', '10.0.0.9'), before[2]!];
    const next = translationIndex(mesh, after);
    expect(names(next.withLabel('default', 'app', 'reviews'))).toEqual(['a@10.0.0.1', 'b@10.0.0.9']);
    expect(next.candidatesDigest('default', 'app', 'reviews')).not.toBe(digest);
    expect(next.candidatesDigest('default', 'app', 'ratings')).toBe(ratings);
  });

  it('holds each instance once when two alike workloads swap places (the same objects, another order)', () => {
    const [a, b] = [pod('a', '10.0.1.1'), pod('b', '10.0.1.2')];
    translationIndex(mesh, [a, b]);
    expect(names(translationIndex(mesh, [b, a]).withLabel('default', 'app', 'reviews'))).toEqual(['b@10.0.1.2', 'a@10.0.1.1']);
  });

  it('moves a relabelled workload to its new group', () => {
    const before = [pod('a', '10.0.2.1'), pod('b', '10.0.2.2')];
    translationIndex(mesh, before);
    const next = translationIndex(mesh, [before[0]!, pod('b', '10.0.2.2', { app: 'ratings' })]);
    expect(names(next.withLabel('default', 'app', 'reviews'))).toEqual(['a@10.0.2.1']);
    expect(names(next.withLabel('default', 'app', 'ratings'))).toEqual(['b@10.0.2.2']);
  });

  it('indexes added and removed workloads, and more than 64 replaced at once', () => {
    const many = Array.from({ length: 70 }, (_, i) => pod(`p${i}`, `10.1.0.${i}`));
    translationIndex(mesh, many);
    const moved = many.map((w) => pod(w.name, `10.2.0.${w.address.split('.')[3]}`));
    expect(translationIndex(mesh, moved).withLabel('default', 'app', 'reviews')).toEqual(moved);
    const fewer = moved.slice(1);
    expect(translationIndex(mesh, fewer).withLabel('default', 'app', 'reviews')).toEqual(fewer);
    const more = [...fewer, pod('extra', '10.3.0.1')];
    expect(translationIndex(mesh, more).withLabel('default', 'app', 'reviews')).toEqual(more);
  });
});
