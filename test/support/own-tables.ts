// Tables of this test file's own, for state that is global to a deployment (the control item with its lockdowns and
// allowlists, the security feed and alerts, the platform's admins): other files running at once must not see it.
// Each named variable gets a fresh table made from template.yaml. Call it before importing the app's code.
import { randomUUID } from 'node:crypto';
import { createTables } from '../../src/dev/provision';
import { loadTemplate } from '../../src/dev/template';

/** `{ TENANTS_TABLE: 'TenantsTable', ... }`: the variable to point, and the template resource to make it from. */
export async function ownTables(tables: Record<string, string>): Promise<void> {
  const template = loadTemplate();
  const suffix = randomUUID();
  const names: Record<string, string> = {};
  for (const [variable, resource] of Object.entries(tables)) {
    names[resource] = `${resource.replace(/Table$/, '')}-${suffix}`;
    process.env[variable] = names[resource];
  }
  await createTables(
    {
      ...template,
      Resources: Object.fromEntries(Object.keys(names).map((id) => [id, template.Resources[id] as never])),
    },
    names,
  );
}
