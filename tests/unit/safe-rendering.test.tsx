import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/components/ui/markdown";
import { SafeLink } from "@/components/ui/safe-link";
import { initialOf, ServerIcon } from "@/components/ui/server-icon";
import { displayLine, httpUrlOrNull, markdownExcerpt } from "@/server/services/catalog/display-text";
import { schemaJson, toolParameters } from "@/server/services/catalog/read-capabilities";

/**
 * Hostile catalog metadata (issue 4, "Bad input and attacks"; PROTOCOL X4) renders as inert text:
 * no script or image elements, no event handler attributes, no link other than http(s)/mailto, no
 * bidi override or zero-width character left to disguise text.
 */

const RLO = "\u202E";
const ZWSP = "\u200B";
const WORD_JOINER = "\u2060";

const HOSTILE_MARKDOWN = [
  "# Weather",
  "",
  "<script>alert(1)</script>",
  "",
  'Inline <img src=x onerror=alert(1)> and <a href="javascript:alert(2)">raw anchor</a>.',
  "",
  "[click](javascript:alert(1)) [upper](JAVASCRIPT:alert(3)) [data](data:text/html,<b>x</b>) [vb](vbscript:msgbox)",
  "",
  "<javascript:alert(4)> [relative](/admin) [anchor](#top) [cred](https://trusted.example@evil.example/)",
  "",
  "![tracker](https://tracker.example/pixel.png)",
  "",
  `[docs](https://docs.example/path?q=1) and [mail](mailto:team@example.test) and evil${RLO}txt.exe and z${ZWSP}ero${WORD_JOINER}width`,
].join("\n");

function hrefs(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((match) => match[1] ?? "");
}

describe("Markdown", () => {
  const html = renderToStaticMarkup(<Markdown>{HOSTILE_MARKDOWN}</Markdown>);

  it("creates no script, image, iframe or raw anchor elements and no event handlers", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<iframe/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toContain("raw anchor</a>");
  });

  it("links only to http(s) and mailto addresses, opening them safely in a new tab", () => {
    expect(hrefs(html)).toEqual(["https://docs.example/path?q=1", "mailto:team@example.test"]);
    const anchors = [...html.matchAll(/<a\s[^>]*>/g)].map((match) => match[0]);
    expect(anchors).toHaveLength(2);
    for (const anchor of anchors) {
      expect(anchor).toContain('rel="noopener noreferrer nofollow"');
      expect(anchor).toContain('target="_blank"');
    }
    // An autolink to javascript: stays visible, as text.
    expect(html).toContain("<span>javascript:alert(4)</span>");
  });

  it("keeps the text of refused links and the alt text of images", () => {
    for (const text of [
      "click",
      "upper",
      "data",
      "vb",
      "relative",
      "anchor",
      "cred",
      "tracker",
      "docs",
      "mail",
    ]) {
      expect(html).toContain(`${text}`);
    }
    expect(html).toContain(">click</span>");
    expect(html).toContain("tracker</span>");
  });

  it("drops bidi overrides and zero-width characters", () => {
    expect(html).not.toContain(RLO);
    expect(html).not.toContain(ZWSP);
    expect(html).not.toContain(WORD_JOINER);
    expect(html).toContain("eviltxt.exe");
    expect(html).toContain("zerowidth");
  });

  it("demotes headings so a description cannot add a page title", () => {
    expect(html).not.toMatch(/<h1|<h2/);
    expect(html).toContain("<h3");
  });

  it("renders ordinary markdown", () => {
    const plain = renderToStaticMarkup(<Markdown>{"Some **bold** and `code`.\n\n- one\n- two"}</Markdown>);
    expect(plain).toContain("<strong>bold</strong>");
    expect(plain).toMatch(/<code[^>]*>code<\/code>/);
    expect(plain.match(/<li/g)).toHaveLength(2);
  });
});

describe("SafeLink", () => {
  const render = (href: string | null, text?: string) =>
    renderToStaticMarkup(<SafeLink href={href}>{text}</SafeLink>);

  it.each([
    ["javascript:alert(1)"],
    [" javascript:alert(1)"],
    ["JaVaScRiPt:alert(1)"],
    ["java\tscript:alert(1)"],
    ["data:text/html,<script>alert(1)</script>"],
    ["vbscript:msgbox(1)"],
    ["/relative/path"],
    ["//evil.example/x"],
    ["https://user:pass@evil.example/"],
    ["ftp://files.example/"],
  ])("renders %j as text, not a link", (href) => {
    const html = render(href, "Website");
    expect(html).not.toContain("<a");
    expect(html).not.toContain("href=");
    expect(html).toContain("Website");
  });

  it("renders the address itself as escaped text when there is no label", () => {
    const html = render('javascript:alert("<b>")');
    expect(html).not.toContain("<a");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;b&gt;");
  });

  it("links http(s) addresses with rel noopener noreferrer nofollow in a new tab", () => {
    const html = render("HTTPS://Example.COM/docs", "Docs");
    expect(hrefs(html)).toEqual(["https://example.com/docs"]);
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('target="_blank"');
    expect(render("http://example.com/")).toContain('href="http://example.com/"');
  });

  it("shows the host and path when there is no label", () => {
    expect(render("https://github.com/acme/weather/")).toContain("github.com/acme/weather</span>");
  });
});

describe("ServerIcon", () => {
  const render = (iconUrl: string | null, name = "Weather") =>
    renderToStaticMarkup(<ServerIcon name={name} iconUrl={iconUrl} />);

  it("loads an https icon without sending a referrer", () => {
    const html = render("https://cdn.example/icon.png");
    expect(html).toMatch(/<img\s/);
    expect(html).toMatch(/src="https:\/\/cdn\.example\/icon\.png"/);
    expect(html).toMatch(/referrerpolicy="no-referrer"/i);
  });

  it.each([
    ["javascript:alert(1)"],
    ["data:image/svg+xml,<svg onload=alert(1)>"],
    ["http://insecure.example/icon.png"],
    ["/icon.png"],
    [""],
    [null],
  ])("falls back to the initial for %j", (iconUrl) => {
    const html = render(iconUrl);
    expect(html).not.toContain("<img");
    expect(html).toContain(">W</span>");
  });

  it("takes the first letter of a hostile name and renders nothing of it as markup", () => {
    const html = render(null, "<script>alert(1)</script>");
    expect(html).not.toContain("<script");
    expect(html).toContain(">S</span>");
    expect(initialOf(`${RLO}${ZWSP}42 tools`)).toBe("4");
    expect(initialOf("!!!")).toBe("?");
  });
});

describe("catalog display text", () => {
  it("strips invisible characters from labels", () => {
    expect(displayLine(`Admin${RLO}gpj.exe`)).toBe("Admin gpj.exe");
    expect(displayLine(`ze${ZWSP}ro`)).toBe("ze ro");
  });

  it("keeps only http(s) URLs without credentials", () => {
    expect(httpUrlOrNull("https://example.com/x")).toBe("https://example.com/x");
    expect(httpUrlOrNull("javascript:alert(1)")).toBeNull();
    expect(httpUrlOrNull("https://a@b.example/")).toBeNull();
    expect(httpUrlOrNull("data:image/png;base64,AAAA")).toBeNull();
    expect(httpUrlOrNull(null)).toBeNull();
  });

  it("turns a markdown description into a plain-text excerpt of at most 200 characters", () => {
    expect(
      markdownExcerpt(
        "# Weather\n\nGet **forecasts** for _any_ city via [the API](https://api.example) and `get_forecast`.\n\n![logo](x.png)\n\n- one\n- two",
      ),
    ).toBe("Weather Get forecasts for any city via the API and get_forecast. logo one two");
    expect(markdownExcerpt("<script>alert(1)</script> snake_case_name stays")).toBe(
      "alert(1) snake_case_name stays",
    );
    expect(markdownExcerpt("[click](javascript:alert(1)) and <javascript:alert(2)> end")).toBe(
      "click and javascript:alert(2) end",
    );
    const long = markdownExcerpt("word ".repeat(100));
    expect(Array.from(long).length).toBeLessThanOrEqual(200);
    expect(long.endsWith("…")).toBe(true);
  });

  it("shows a tool's schema as JSON with invisible characters escaped", () => {
    const json = schemaJson({ type: "object", description: `a${RLO}b` });
    expect(json).toContain("a\\u202eb");
    expect(json).not.toContain(RLO);
    expect(JSON.parse(json ?? "")).toEqual({ type: "object", description: `a${RLO}b` });
  });

  it("lists a tool's parameters with type, required flag and description", () => {
    expect(
      toolParameters({
        type: "object",
        properties: {
          city: { type: "string", description: "City name" },
          days: { type: ["integer", "null"] },
          units: { enum: ["metric", "imperial"] },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["city"],
      }),
    ).toEqual([
      { name: "city", type: "string", required: true, description: "City name" },
      { name: "days", type: "integer | null", required: false, description: "" },
      { name: "units", type: 'enum: "metric" | "imperial"', required: false, description: "" },
      { name: "tags", type: "array of string", required: false, description: "" },
    ]);
    expect(toolParameters("not a schema")).toEqual([]);
  });
});
