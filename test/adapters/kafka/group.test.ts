// The consumer group of a run: its default id from the output directory, and the assignor that gives every
// partition to one member (the caller) and tells who else is there.
import { join, resolve } from 'node:path';
import { AssignerProtocol, type Cluster, type GroupMember } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { describeMember, groupIdForOutput, OWNER_ASSIGNOR, ownerAssignor, type GroupMemberInfo, type MemberIdentity } from '../../../src/adapters/kafka/group.js';

describe('groupIdForOutput', () => {
  it('is stable for one directory however it is written, different for another, and a legal group id', () => {
    const a = groupIdForOutput('/data/runs/week 34 (test)');
    expect(a).toMatch(/^dyadflow-run-week_34_test_-[0-9a-f]{12}$/);
    expect(groupIdForOutput('/data/runs/./week 34 (test)/')).toBe(a);
    expect(groupIdForOutput(join(resolve('/data/runs'), 'week 34 (test)'))).toBe(a);
    expect(groupIdForOutput('/data/other/week 34 (test)')).not.toBe(a);
    expect(groupIdForOutput('out')).toBe(groupIdForOutput(resolve('out')));
    expect(groupIdForOutput('/')).toMatch(/^dyadflow-run-root-[0-9a-f]{12}$/);
    expect(groupIdForOutput('/x/' + 'é'.repeat(300)).length).toBeLessThan(100);
  });
});

const cluster = {
  findTopicPartitionMetadata: (topic: string) => (topic === 'p.interactions' ? [2, 0, 1] : [0]).map((partitionId) => ({ partitionId, leader: 1 })),
} as unknown as Cluster;

function member(memberId: string, identity: MemberIdentity | null): GroupMember {
  const userData = identity ? Buffer.from(JSON.stringify(identity)) : Buffer.alloc(0);
  return { memberId, memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['p.interactions', 'p.impressions'], userData }) };
}

const decode = (b: Buffer): Record<string, number[]> => AssignerProtocol.MemberAssignment.decode(b)!.assignment;
const self: MemberIdentity = { token: 'aaa', clientId: 'dyadflow', host: 'h1', pid: 11 };
const other: MemberIdentity = { token: 'bbb', clientId: 'intruder', host: 'h2', pid: 22 };

describe('ownerAssignor', () => {
  it('gives every partition of every topic to its own member and nothing to the others, and reports the members', async () => {
    const seen: GroupMemberInfo[][] = [];
    const assigner = ownerAssignor(self, (m) => seen.push(m))({ cluster, groupId: 'g', logger: undefined as never });
    expect(assigner.name).toBe(OWNER_ASSIGNOR);
    // Its protocol metadata carries its identity.
    const meta = AssignerProtocol.MemberMetadata.decode(assigner.protocol({ topics: ['p.interactions'] }).metadata)!;
    expect(JSON.parse(meta.userData.toString())).toEqual(self);
    // Its own member is neither the first nor the first by id: the token decides.
    const result = await assigner.assign({ members: [member('m-a', other), member('m-b', self), member('m-c', null)], topics: ['p.interactions', 'p.impressions'] });
    expect(Object.fromEntries(result.map((r) => [r.memberId, decode(r.memberAssignment)]))).toEqual({
      'm-a': {},
      'm-b': { 'p.interactions': [0, 1, 2], 'p.impressions': [0] },
      'm-c': {},
    });
    expect(seen).toEqual([
      [
        { memberId: 'm-a', identity: other },
        { memberId: 'm-b', identity: self },
        { memberId: 'm-c', identity: undefined },
      ],
    ]);
    expect(describeMember(seen[0]![0]!)).toBe('m-a (dyadflow run, pid 22 on h2, client id intruder)');
    expect(describeMember(seen[0]![2]!)).toBe('m-c');
  });

  it('alone in the group: everything to itself', async () => {
    const assigner = ownerAssignor(self, () => undefined)({ cluster, groupId: 'g', logger: undefined as never });
    const [only] = await assigner.assign({ members: [member('m-a', self)], topics: ['p.impressions'] });
    expect(decode(only!.memberAssignment)).toEqual({ 'p.impressions': [0] });
  });
});
