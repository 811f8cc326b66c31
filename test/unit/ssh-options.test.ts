// Unit tests of src/config/ssh-options.ts: the SSH option set is declared once, and the
// settings table (keys, variables, defaults) covers exactly the options a configuration file
// may set.
import t from "tap";
import { type Setting, SETTINGS } from "../../src/config/settings.ts";
import { pickSshOptions, SSH_OPTION_NAMES } from "../../src/config/ssh-options.ts";

t.test("the settings table has a row for every SSH option but entry, and no other SSH row", async (t) => {
  const all = Object.values(SETTINGS) as Array<Setting<unknown>>;
  const rows = all.filter((s) => s.ssh === true).map((s) => s.option!);
  t.same(rows.sort(), SSH_OPTION_NAMES.filter((n) => n !== "entry").sort());
  for (const setting of all.filter((s) => s.ssh === true)) {
    t.equal(setting.key, `ssh.${setting.option}`, `${setting.option} sits in the file's ssh section`);
  }
});

t.test("pickSshOptions keeps the SSH options given and nothing else", async (t) => {
  t.same(pickSshOptions({ sshflags: ["-i", "k"], tunnel: false, entry: "/opt/w.js", ...{ timeout: 5, runtime: "bun" } } as never), {
    sshflags: ["-i", "k"],
    tunnel: false,
    entry: "/opt/w.js",
  });
  t.same(pickSshOptions({ ssh: undefined, maxParallel: 3 }), { maxParallel: 3 }, "an option set to undefined is not given");
});
