// Tenants table: one item per (client_id, site_id) site, with its origins and settings.
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';
import { fitsKey } from './keys';
import { bumpRevocationEpoch } from './revocations';
import { syncTenantOrigins } from './tenant-origins';

export type TenantStatus = 'active' | 'disabled';

/** Per-site behaviour; features add their settings here. */
export type TenantSettings = Record<string, unknown>;

/**
 * A site's id in every table, `{client_id}#{site_id}`, and the `aud` of its tokens. Only this module makes one,
 * so a TenantId is always well formed.
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

export type Tenant = {
  id: TenantId;
  clientId: string;
  siteId: string;
  name: string;
  allowedOrigins: string[];
  settings: TenantSettings;
  status: TenantStatus;
  createdAt: string;
};

type TenantItem = {
  tenant_id: string;
  /** Constant partition key of the sparse listing-index: every tenant, in tenant_id order. */
  listing: 'tenant';
  client_id: string;
  site_id: string;
  name: string;
  allowed_origins: string[];
  settings: TenantSettings;
  status: TenantStatus;
  created_at: string;
};

/** The tenant's key in every table: `{client_id}#{site_id}`, also the JWT audience. */
export const tenantIdOf = (clientId: string, siteId: string): TenantId => `${clientId}#${siteId}` as TenantId;

/** A new, active site (its id made from its client and site ids); create it with createTenant or putTenant. */
export function newTenant(
  fields: Pick<Tenant, 'clientId' | 'siteId' | 'name'> & Partial<Omit<Tenant, 'id' | 'clientId' | 'siteId'>>,
): Tenant {
  return {
    allowedOrigins: [],
    settings: {},
    status: 'active',
    createdAt: new Date(clock.now()).toISOString(),
    ...fields,
    id: tenantIdOf(fields.clientId, fields.siteId),
  };
}

/** A TenantId from outside (a token's audience, a URL): undefined unless it has the shape of one. */
export function parseTenantId(value: string): TenantId | undefined {
  const match = /^([^#]+)#([^#]+)$/.exec(value);
  return match && fitsKey(value) ? tenantIdOf(match[1] as string, match[2] as string) : undefined;
}

const table = () => tables().tenants;

export async function getTenant(clientId: string, siteId: string): Promise<Tenant | undefined> {
  if (!fitsKey(tenantIdOf(clientId, siteId))) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { tenant_id: tenantIdOf(clientId, siteId) } }),
  );
  return Item ? fromItem(Item as TenantItem) : undefined;
}

/** Creates or replaces a tenant, and keeps the Origin index (CORS preflights) in step with it. */
export async function putTenant(tenant: Tenant): Promise<void> {
  const { Attributes } = await documentClient.send(
    new PutCommand({ TableName: table(), Item: toItem(tenant), ReturnValues: 'ALL_OLD' }),
  );
  const previous = ((Attributes as TenantItem | undefined)?.allowed_origins ?? []) as string[];
  await syncTenantOrigins(tenant.id, previous, tenant.allowedOrigins);
  // Status, origins or settings changed: every warm container forgets what it cached of this site.
  if (Attributes) await bumpRevocationEpoch();
}

/** Creates a tenant unless its (client_id, site_id) exists; false when taken. */
export async function createTenant(tenant: Tenant): Promise<boolean> {
  const created = await conditionally(() =>
    documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: toItem(tenant),
        ConditionExpression: 'attribute_not_exists(tenant_id)',
      }),
    ),
  );
  if (!created) return false;
  await syncTenantOrigins(tenant.id, [], tenant.allowedOrigins);
  return true;
}

/** By `{client_id}#{site_id}`, as JWT audiences name tenants. */
export async function getTenantById(tenantId: string): Promise<Tenant | undefined> {
  if (!fitsKey(tenantId)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { tenant_id: tenantId } }),
  );
  return Item ? fromItem(Item as TenantItem) : undefined;
}

/** Every tenant, ordered by id, a page at a time (the admin console lists them). */
export async function listTenants({
  limit = 50,
  after,
}: {
  limit?: number;
  after?: string;
} = {}): Promise<{ tenants: Tenant[]; next?: string }> {
  if (after !== undefined && !fitsKey(after, 1024)) return { tenants: [] };
  const out = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'listing-index',
      KeyConditionExpression: 'listing = :tenant',
      ExpressionAttributeValues: { ':tenant': 'tenant' },
      Limit: limit,
      ExclusiveStartKey: after ? { listing: 'tenant', tenant_id: after } : undefined,
    }),
  );
  const tenants = (out.Items ?? []).map((i) => fromItem(i as TenantItem));
  return { tenants, next: out.LastEvaluatedKey?.tenant_id as string | undefined };
}

function toItem(t: Tenant): TenantItem {
  return {
    tenant_id: tenantIdOf(t.clientId, t.siteId),
    listing: 'tenant',
    client_id: t.clientId,
    site_id: t.siteId,
    name: t.name,
    allowed_origins: t.allowedOrigins,
    settings: t.settings,
    status: t.status,
    created_at: t.createdAt,
  };
}

function fromItem(item: TenantItem): Tenant {
  return {
    id: tenantIdOf(item.client_id, item.site_id),
    clientId: item.client_id,
    siteId: item.site_id,
    name: item.name,
    allowedOrigins: item.allowed_origins ?? [],
    settings: item.settings ?? {},
    status: item.status,
    createdAt: item.created_at,
  };
}
