// The consumer group of a run. A run must own every partition of its topics: a second runner silently taking half of
// them would leave both with half the events and both outputs wrong. So the group's assignor (the leader's choice,
// as Kafka's classic protocol has it) gives every partition to one member and nothing to the others, and each member
// learns who else is there: the assignor tells the leader, the assignment tells the others. The source stops with an
// error naming the other member either way (source.ts).
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
// Before kafkajs, as everywhere in the adapter (kafkajs-patch.ts).
import './kafkajs-patch.js';
import { AssignerProtocol, type Assigner, type GroupMember, type PartitionAssigner } from 'kafkajs';

/** The protocol name every dyadflow runner announces; members of other protocols are refused by the broker. */
export const OWNER_ASSIGNOR = 'dyadflow-single-owner';

/**
 * The default consumer group of a run writing `outDir`: `dyadflow-run-<name>-<hash>` where name is the directory's
 * last component reduced to Kafka-safe characters and hash the first 12 hex digits of the SHA-256 of its absolute
 * path. The same directory gives the same group (so a restart rejoins it), two directories two groups.
 */
export function groupIdForOutput(outDir: string): string {
  const abs = resolve(outDir);
  const base = abs.split(/[\\/]/).filter((s) => s.length > 0).pop() ?? 'root';
  const name = base.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 64) || 'out';
  const hash = createHash('sha256').update(abs, 'utf8').digest('hex').slice(0, 12);
  return `dyadflow-run-${name}-${hash}`;
}

/** Who a member says it is (its protocol metadata's user data, JSON). */
export interface MemberIdentity {
  /** Unique per source instance: how a member recognises itself among the group's members. */
  token: string;
  clientId: string;
  host: string;
  pid: number;
}

/** A member of the group as the leader saw it. */
export interface GroupMemberInfo {
  memberId: string;
  /** Undefined for a member whose metadata is not a dyadflow runner's. */
  identity: MemberIdentity | undefined;
}

function decodeIdentity(metadata: Buffer): MemberIdentity | undefined {
  try {
    const userData = AssignerProtocol.MemberMetadata.decode(metadata)?.userData;
    if (!userData || userData.length === 0) return undefined;
    const v = JSON.parse(userData.toString('utf8')) as Partial<MemberIdentity>;
    if (typeof v.token !== 'string') return undefined;
    return { token: v.token, clientId: String(v.clientId ?? ''), host: String(v.host ?? ''), pid: Number(v.pid ?? 0) };
  } catch {
    return undefined;
  }
}

/** A member in one line, for error messages. */
export function describeMember(m: GroupMemberInfo): string {
  const id = m.identity;
  return id ? `${m.memberId} (dyadflow run, pid ${id.pid} on ${id.host || 'unknown host'}, client id ${id.clientId})` : m.memberId;
}

/**
 * The assignor: every partition of the subscribed topics to the member whose identity token is `self.token` (the
 * leader is always a member that runs this assignor; if none has the token, which a correct leader never sees, the
 * first member by id), none to the others. `onMembers` hears every assignment's member list, the caller's own
 * member included.
 */
export function ownerAssignor(self: MemberIdentity, onMembers: (members: GroupMemberInfo[]) => void): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: OWNER_ASSIGNOR,
    version: 1,
    protocol({ topics }) {
      return {
        name: OWNER_ASSIGNOR,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(self)) }),
      };
    },
    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }) {
      const infos = members.map((m) => ({ memberId: m.memberId, identity: decodeIdentity(m.memberMetadata) }));
      const sorted = [...infos].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
      const owner = infos.find((m) => m.identity?.token === self.token) ?? sorted[0];
      const assignment: Record<string, number[]> = {};
      for (const topic of topics) {
        assignment[topic] = cluster
          .findTopicPartitionMetadata(topic)
          .map((p) => p.partitionId)
          .sort((a, b) => a - b);
      }
      onMembers(infos);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: m.memberId === owner?.memberId ? assignment : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
