// Identity (admin): projects, users and role assignments, through Keystone
// v3 exactly as `openstack project/user/role ...` call it.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, notice, field, select, section } from "./dom.js";

const K = api.paths.identity;

async function confirmDelete(kind, name, path, slot, after) {
  if (!window.confirm(`Delete ${kind} "${name}"?`)) return;
  try {
    await api.del(path);
    fill(slot, notice(`The ${kind} "${name}" was deleted.`));
    after();
  } catch (err) {
    fill(slot, errorBox(err));
  }
}

function form(onsubmit, label, ...fields) {
  const error = h("div", { class: "status-slot" });
  const submit = h("button", { type: "submit", class: "primary" }, label);
  const el = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        submit.disabled = true;
        try {
          await onsubmit();
          el.reset();
        } catch (err) {
          error.append(errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    error,
    h("div", { class: "form-grid" }, fields),
    h("div", { class: "buttons" }, submit)
  );
  return el;
}

export async function identity(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const projectSlot = h("div", {});
  const userSlot = h("div", {});
  const assignSlot = h("div", {});
  const formSlot = h("div", {});
  main.append(h("h1", {}, "Identity"), slot, formSlot, section("Projects", projectSlot), section("Users", userSlot), section("Role assignments", assignSlot));

  const refresh = async () => {
    // The projects' list is the one an admin-only page needs: a member gets
    // Keystone's 403 here, shown as it is.
    const [projects, users, roles, assignments] = await Promise.allSettled([
      api.get(`${K}/projects`),
      api.get(`${K}/users`),
      api.get(`${K}/roles`),
      api.get(`${K}/role_assignments?include_names=1`),
    ]);
    if (!page.alive) return;
    const results = { projects, users, roles, assignments };
    const failed = Object.values(results).find((r) => r.status === "rejected");
    if (failed && projects.status === "rejected") {
      fill(formSlot, errorBox(projects.reason));
      clear(projectSlot);
      clear(userSlot);
      clear(assignSlot);
      return;
    }
    const projectList = projects.status === "fulfilled" ? projects.value.projects : [];
    const userList = users.status === "fulfilled" ? users.value.users : [];
    const roleList = roles.status === "fulfilled" ? roles.value.roles : [];
    const projectName = new Map(projectList.map((p) => [p.id, p.name]));
    fill(projectSlot, 
      table(
        [
          ["Name", (p) => p.name],
          ["Description", (p) => p.description || ""],
          ["Enabled", (p) => (p.enabled ? "yes" : "no")],
          ["ID", (p) => p.id],
          ["Actions", (p) => h("button", { type: "button", class: "small danger", onclick: () => confirmDelete("project", p.name, `${K}/projects/${p.id}`, slot, refresh) }, "Delete")],
        ],
        projectList
      )
    );
    fill(userSlot, 
      users.status === "rejected"
        ? errorBox(users.reason)
        : table(
            [
              ["Name", (u) => u.name],
              ["Default project", (u) => projectName.get(u.default_project_id) || u.default_project_id || "-"],
              ["Enabled", (u) => (u.enabled ? "yes" : "no")],
              ["ID", (u) => u.id],
              ["Actions", (u) => h("button", { type: "button", class: "small danger", onclick: () => confirmDelete("user", u.name, `${K}/users/${u.id}`, slot, refresh) }, "Delete")],
            ],
            userList
          )
    );
    fill(assignSlot, 
      assignments.status === "rejected"
        ? errorBox(assignments.reason)
        : table(
            [
              // A group's assignment has a group where a user's has its user.
              ["User", (a) => (a.user ? a.user.name || a.user.id : `group ${a.group.name || a.group.id}`)],
              ["Role", (a) => a.role.name || a.role.id],
              ["Project", (a) => (a.scope.project ? a.scope.project.name || a.scope.project.id : "-")],
              [
                "Actions",
                (a) =>
                  h(
                    "button",
                    {
                      type: "button",
                      class: "small danger",
                      onclick: async () => {
                        const holder = a.user ? a.user.name : `group ${a.group.name}`;
                        const path = a.user ? `users/${a.user.id}` : `groups/${a.group.id}`;
                        if (!window.confirm(`Revoke role "${a.role.name}" of "${holder}" on "${a.scope.project.name}"?`)) return;
                        try {
                          await api.del(`${K}/projects/${a.scope.project.id}/${path}/roles/${a.role.id}`);
                          refresh();
                        } catch (err) {
                          fill(slot, errorBox(err));
                        }
                      },
                    },
                    "Revoke"
                  ),
              ],
            ],
            assignments.value.role_assignments
          )
    );
    fill(formSlot, forms(projectList, userList, roleList, slot, refresh));
  };
  await refresh();
}

function forms(projects, users, roles, slot, refresh) {
  const options = (list) => list.map((x) => [x.id, x.name]);
  const pName = h("input", { name: "project-name", required: true });
  const pDesc = h("input", { name: "project-description" });
  const uName = h("input", { name: "user-name", required: true });
  const uPassword = h("input", { name: "user-password", type: "password", required: true, autocomplete: "new-password" });
  const uProject = select("user-project", [["", "None"], ...options(projects)]);
  const uRole = select("user-role", [["", "No role"], ...options(roles)], {});
  for (const o of uRole.options) if (o.textContent === "member") o.selected = true;
  const gUser = select("grant-user", options(users));
  const gProject = select("grant-project", options(projects));
  const gRole = select("grant-role", options(roles));
  return h(
    "div",
    { class: "grid" },
    section(
      "Create a project",
      form(async () => {
        const { project } = await api.post(`${K}/projects`, { project: { name: pName.value, description: pDesc.value, domain_id: "default", enabled: true } });
        fill(slot, notice(`Project "${project.name}" created.`));
        refresh();
      }, "Create project", field("Name", pName), field("Description", pDesc))
    ),
    section(
      "Create a user",
      form(async () => {
        const user = { name: uName.value, password: uPassword.value, domain_id: "default", enabled: true };
        if (uProject.value) user.default_project_id = uProject.value;
        const created = (await api.post(`${K}/users`, { user })).user;
        // As `openstack user create --project P` then `role add`: the role
        // makes the project the user's to log in to.
        if (uProject.value && uRole.value)
          await api.put(`${K}/projects/${uProject.value}/users/${created.id}/roles/${uRole.value}`);
        fill(slot, notice(`User "${created.name}" created.`));
        refresh();
      }, "Create user", field("Name", uName), field("Password", uPassword), field("Project", uProject), field("Role on it", uRole))
    ),
    section(
      "Grant a role",
      form(async () => {
        await api.put(`${K}/projects/${gProject.value}/users/${gUser.value}/roles/${gRole.value}`);
        fill(slot, notice("Role granted."));
        refresh();
      }, "Grant", field("User", gUser), field("Project", gProject), field("Role", gRole))
    )
  );
}
