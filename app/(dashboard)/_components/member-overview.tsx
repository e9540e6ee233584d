import { ArrowRight, KeyRound, Library, PlugZap, UserRound } from "lucide-react";
import Link from "next/link";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";

const PLACES = [
  {
    href: "/catalog",
    icon: Library,
    title: "Catalog",
    text: "Browse the MCP servers your registries grant you and see what each one offers.",
  },
  {
    href: "/connections",
    icon: PlugZap,
    title: "Connections",
    text: "Your connected servers and the personal URLs your agents use to reach them.",
  },
  {
    href: "/tokens",
    icon: KeyRound,
    title: "API tokens",
    text: "Issue and revoke the tokens your agents sign in with.",
  },
  {
    href: "/profile",
    icon: UserRound,
    title: "Profile",
    text: "Your role, your sessions and your linked sign-ins.",
  },
];

/** The overview for people who use Gatehouse rather than run it. */
export function MemberOverview({ name }: { name: string }) {
  return (
    <div className="space-y-8">
      <PageHeader title="Overview" description={`Welcome, ${name}. Here is where to go next.`} />
      <div className="grid gap-4 sm:grid-cols-2">
        {PLACES.map((place) => (
          <Link
            key={place.href}
            href={place.href}
            className="group rounded-xl outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            <Card className="h-full transition-colors group-hover:bg-accent/40">
              <CardHeader>
                <CardTitle as="h2" className="flex items-center gap-2">
                  <place.icon className="size-4 text-muted-foreground" aria-hidden="true" />
                  {place.title}
                  <ArrowRight
                    className="ml-auto size-4 opacity-0 transition-opacity group-hover:opacity-100"
                    aria-hidden="true"
                  />
                </CardTitle>
                <CardDescription>{place.text}</CardDescription>
              </CardHeader>
            </Card>
          </Link>
        ))}
      </div>
    </div>
  );
}
