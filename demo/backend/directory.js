// The product's own data: who its users are, their workspaces and roles, and which context each
// one has active. A real product keeps this in its own database; the credit ledger only needs to
// be told (create_user, create_workspace, add_member, switch), so the backend mirrors each change
// into the ledger and keeps this copy to answer "who is this and what can they pick" without a
// round trip. The ledger stays the authority on money: a charge goes to whatever context the
// ledger has active, and a stale copy here can never move money elsewhere.

export const USERS = [
  { id: 'maya', name: 'Maya Okafor' },
  { id: 'leo', name: 'Leo Brandt' },
  { id: 'ines', name: 'Inês Duarte' },
];

export const WORKSPACES = [
  { id: 'studio', name: 'Studio', members: { maya: 'admin', leo: 'member', ines: 'member' } },
];

export class Directory {
  constructor() {
    // Active context per user: null = personal, else a workspace id. Set by the seed, then by
    // each accepted `switch`.
    this.context = new Map(USERS.map((u) => [u.id, null]));
  }

  user(id) {
    return USERS.find((u) => u.id === id) || null;
  }

  workspacesOf(userId) {
    return WORKSPACES.filter((w) => w.members[userId]).map((w) => ({ id: w.id, name: w.name, role: w.members[userId] }));
  }

  /** The workspace's (first) admin: who owns its card on file, for an auto top-up. */
  adminOf(workspaceId) {
    const w = WORKSPACES.find((x) => x.id === workspaceId);
    return w ? Object.keys(w.members).find((u) => w.members[u] === 'admin') ?? null : null;
  }

  /** The payers a user may read: their own account and each workspace they belong to. */
  payersOf(userId) {
    return [`user:${userId}`, ...this.workspacesOf(userId).map((w) => `workspace:${w.id}`)];
  }

  contextOf(userId) {
    return this.context.get(userId) ?? null;
  }

  /** Called once the ledger accepted the switch. */
  setContext(userId, workspace) {
    this.context.set(userId, workspace ?? null);
  }

  payerOf(userId) {
    const ws = this.contextOf(userId);
    return ws ? `workspace:${ws}` : `user:${userId}`;
  }
}
