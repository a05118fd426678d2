/* pushy-client's node facts: os-release and route parsing, Chef
 * json_attribs, the report built from settings, and the client.rb keys
 * pushy_roles / pushy_tags / pushy_attributes / json_attribs. */
#include <criterion/criterion.h>
#include <string.h>

#include "client/bootstrap.h"
#include "client/facts.h"
#include "client/options.h"
#include "client/rbconf.h"

Test(client_facts, os_release)
{
    char id[64], ver[64];
    pc_os_release_parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                        "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
                        id, sizeof id, ver, sizeof ver);
    cr_assert_str_eq(id, "debian");
    cr_assert_str_eq(ver, "12");
    pc_os_release_parse("ID='ubuntu'\nID_LIKE=debian\nVERSION_ID=\"22.04\"", id, sizeof id, ver,
                        sizeof ver);
    cr_assert_str_eq(id, "ubuntu", "ID_LIKE is not ID");
    cr_assert_str_eq(ver, "22.04");
    pc_os_release_parse("ID=\"a\\\"b\"\n", id, sizeof id, ver, sizeof ver);
    cr_assert_str_eq(id, "a\"b");
    cr_assert_str_eq(ver, "", "absent");
    pc_os_release_parse("ID=arch", id, 3, ver, sizeof ver);
    cr_assert_str_eq(id, "ar", "truncated to the buffer");
}

Test(client_facts, default_route)
{
    const char *t = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
                    "eth1\t0010A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
                    "eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\n";
    char iface[32];
    cr_assert_eq(pc_default_route_iface(t, iface, sizeof iface), 0);
    cr_assert_str_eq(iface, "eth0");
    cr_assert_eq(pc_default_route_iface("Iface\tDestination\n"
                                        "eth1\t0010A8C0\t00000000\t0001\n", iface, sizeof iface),
                 -1);
    cr_assert_eq(pc_default_route_iface("Iface\tDestination\n"
                                        "eth0\t00000000\t0100A8C0\t0002\n", iface, sizeof iface),
                 -1, "a route that is not up");
}

Test(client_facts, json_attribs_run_list_tags_and_attributes)
{
    json_t *attrs = json_object(), *roles = json_array(), *recipes = json_array(),
           *tags = json_array();
    char err[256];
    cr_assert_eq(pc_json_attribs_apply("{\"run_list\":[\"role[web]\",\"recipe[nginx::default]\","
                                       "\"ntp\",\"role[web]\"],\"tags\":[\"blue\"],"
                                       "\"dc\":\"east\",\"nginx\":{\"port\":80}}",
                                       attrs, roles, recipes, tags, err, sizeof err), 0, "%s", err);
    cr_assert_eq(json_array_size(roles), 1, "no duplicates");
    cr_assert_str_eq(json_string_value(json_array_get(roles, 0)), "web");
    cr_assert_eq(json_array_size(recipes), 2);
    cr_assert_str_eq(json_string_value(json_array_get(recipes, 0)), "nginx::default");
    cr_assert_str_eq(json_string_value(json_array_get(recipes, 1)), "ntp");
    cr_assert_str_eq(json_string_value(json_array_get(tags, 0)), "blue");
    cr_assert_str_eq(json_string_value(json_object_get(attrs, "dc")), "east");
    cr_assert_null(json_object_get(attrs, "run_list"));
    cr_assert_eq(pc_json_attribs_apply("{\"run_list\":[\"cookbook[x]\"]}", attrs, roles, recipes,
                                       tags, err, sizeof err), -1);
    cr_assert(strstr(err, "not role[NAME] or recipe[NAME]"), "%s", err);
    cr_assert_eq(pc_json_attribs_apply("{\"run_list\":\"role[x]\"}", attrs, roles, recipes, tags,
                                       err, sizeof err), -1);
    cr_assert_eq(pc_json_attribs_apply("[1]", attrs, roles, recipes, tags, err, sizeof err), -1);
    cr_assert_eq(pc_json_attribs_apply("{", attrs, roles, recipes, tags, err, sizeof err), -1);
    json_decref(attrs);
    json_decref(roles);
    json_decref(recipes);
    json_decref(tags);
}

static void settings_from(const char *rb, struct pc_settings *s)
{
    struct pc_rbconf c;
    char err[256];
    cr_assert_eq(pc_rbconf_parse(rb, "client.rb", &c, err, sizeof err), 0, "%s", err);
    struct pc_options o = { .server = "https://h/organizations/o" };
    cr_assert_eq(pc_settings_resolve(&o, &c, "host", s, err, sizeof err), 0, "%s", err);
    pc_rbconf_free(&c);
}

Test(client_facts, build_merges_config_json_attribs_and_system)
{
    struct pc_settings s;
    settings_from("pushy_roles [\"db\", :web]\npushy_tags ['blue']\n"
                  "pushy_attributes({\"dc\" => \"west\", :rack => {row: 3, \"ok\" => true}, "
                  "\"platform\" => \"not-this\"})\n",
                  &s);
    struct pc_sysfacts sys = { .hostname = "web1", .fqdn = "web1.example.com",
                               .platform = "debian", .platform_version = "12", .os = "linux",
                               .ipaddress = "10.1.2.3" };
    char err[256];
    json_t *f = pc_facts_build(&s, "{\"run_list\":[\"role[web]\",\"role[lb]\"],\"dc\":\"east\","
                                    "\"tags\":[\"green\"]}", &sys, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    char *text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(text,
                     "{\"dc\":\"west\",\"fqdn\":\"web1.example.com\",\"hostname\":\"web1\","
                     "\"ipaddress\":\"10.1.2.3\",\"os\":\"linux\",\"platform\":\"debian\","
                     "\"platform_version\":\"12\",\"rack\":{\"ok\":true,\"row\":3},"
                     "\"recipes\":[],\"roles\":[\"web\",\"lb\",\"db\"],"
                     "\"tags\":[\"green\",\"blue\"]}");
    free(text);
    json_decref(f);
    sys.ipaddress[0] = '\0';
    f = pc_facts_build(&s, NULL, &sys, err, sizeof err);
    cr_assert_null(json_object_get(f, "ipaddress"), "a fact not found is left out");
    json_decref(f);
    cr_assert_null(pc_facts_build(&s, "{\"run_list\":[3]}", &sys, err, sizeof err));
    pc_settings_free(&s);
}

Test(client_facts, rbconf_keys_errors)
{
    struct pc_rbconf c;
    char err[256];
    cr_assert_eq(pc_rbconf_parse("pushy_roles \"web\"\n", "c.rb", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "c.rb:1: pushy_roles: expected an array of strings"), "%s", err);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("pushy_tags [1]\n", "c.rb", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "item 0 is not a non-empty string"), "%s", err);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("pushy_attributes({\"a\" => \"#{x}\"})\n", "c.rb", &c, err,
                                 sizeof err), -1);
    cr_assert(strstr(err, "interpolation"), "%s", err);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("pushy_attributes({\"a\" => File.read(\"x\")})\n", "c.rb", &c,
                                 err, sizeof err), -1);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("\n\npushy_attributes {\"a\" => [1, 2,\n 3]}\n"
                                 "json_attribs \"/etc/chef/first-boot.json\"\n", "c.rb", &c, err,
                                 sizeof err), 0, "%s", err);
    cr_assert_eq(json_array_size(json_object_get(c.attributes, "a")), 3);
    cr_assert_str_eq(c.json_attribs, "/etc/chef/first-boot.json");
    pc_rbconf_free(&c);
}

Test(client_facts, rbconf_json_form)
{
    struct pc_rbconf c;
    char err[256];
    cr_assert_eq(pc_rbconf_parse("{\"pushy_roles\":[\"web\"],\"pushy_tags\":[],"
                                 "\"pushy_attributes\":{\"dc\":\"x\"},\"json_attribs\":\"/j\"}",
                                 "c.json", &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(json_string_value(json_array_get(c.roles, 0)), "web");
    cr_assert_str_eq(json_string_value(json_object_get(c.attributes, "dc")), "x");
    cr_assert_str_eq(c.json_attribs, "/j");
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("{\"pushy_roles\":\"web\"}", "c.json", &c, err, sizeof err), -1);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("{\"pushy_attributes\":[]}", "c.json", &c, err, sizeof err), -1);
    pc_rbconf_free(&c);
}

Test(client_facts, facts_url_and_signed_put)
{
    char url[256];
    const char *path;
    cr_assert_eq(pc_facts_url("https://chef.example/organizations/o", "n1", url, sizeof url,
                              &path), 0);
    cr_assert_str_eq(url, "https://chef.example/organizations/o/pushy/nodes/n1/facts");
    cr_assert_str_eq(path, "/organizations/o/pushy/nodes/n1/facts");
    cr_assert_eq(pc_facts_url("https://chef.example/organizations/o", "n1", url, 20, &path), -1);
}
