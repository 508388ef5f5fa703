"""How well search finds what visitors ask for: success@3 and mean reciprocal rank.

Queries are written the way people type them at the kiosk — everyday words, inflected
forms, Latin letters, typos, English — each with the services that answer it. Both the
search as it was at 772b816 (the baseline, loaded from git) and the current one run on
the shipped catalogue in the same run; the figures and their ratio are printed.

    python bench/search_quality.py [--misses]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from types import SimpleNamespace

from _at_commit import module_at

from kiosk.catalog import Service, shipped_catalog
from kiosk.search import SearchIndex

BASELINE_COMMIT = "772b816"

HEIRS = {"2016"}
BIRTH = {"2076", "tvr-birth-registration"}
MARRIAGE = {"2037", "2036", "tvr-marital-status", "tvr-marital-status-family"}
DEATH = {"2034", "2016"}
ADDRESS = {"2079", "2128", "2074"}
WASTE = {"tvr-waste-fee-exemption"}
DEBTS = {"1998"}
PROPERTY_TAX = {"9401", "tvr-tax-assessment", "2071"}
NOTARY = {"tvr-tax-assessment", "2027", "2081"}
BUILD = {"2112", "2083", "2054"}
ROOF = {"2112", "2083"}
SKETCH = {"2027"}
HOUSING = {"2105"}
DOG = {"tvr-dog-registration"}
LIVESTOCK = {"tvr-livestock-certificate"}
TREE = {"2031"}
WOOD = {"2006"}
PASTURE = {"tvr-pasture-lease"}
SHOP_HOURS = {"3087"}
RESTAURANT = {"1475"}
GUESTS = {"3122", "2760"}
TOURIST_TAX = {"tvr-tourist-tax"}
STREET = {"tvr-street-trading"}
PARKING = {"2012"}
ASSISTANT = {"tvr-assistant-support"}
PATRONAGE = {"tvr-home-patronage"}
CANTEEN = {"tvr-public-canteen"}
COMPLAINT = {"tvr-complaints"}
INFORMATION = {"2", "tvr-consultation"}
ARCHIVE = {"tvr-archive-copies", "2095"}
NAME = {"2033", "tvr-name-identity"}
RENT = {"tvr-municipal-lease", "tvr-pasture-lease"}
PATENT = {"2014"}
INHERITANCE_TAX = {"2091"}
TOLERANCE = {"2084"}
OCCUPANCY = {"2062"}
PLAN = {"tvr-pup-permission", "2111"}
MUNICIPAL_OWNED = {"2078", "1988", "2095"}
TAX_RETURN_COPY = {"2124"}
MOTHER = {"2057"}

QUERIES: list[tuple[str, set[str]]] = [
    # everyday words
    ("смет", WASTE),
    ("такса смет", WASTE),
    ("боклук", WASTE),
    ("такса за боклука", WASTE),
    ("отпадъци", WASTE),
    ("сватба", MARRIAGE),
    ("женитба", MARRIAGE),
    ("брак", MARRIAGE),
    ("ремонт на покрив", ROOF),
    ("покрив", ROOF),
    ("нотариален акт", NOTARY),
    ("нотариус", NOTARY),
    ("продажба на къща", NOTARY),
    ("купувам къща", NOTARY | PROPERTY_TAX),
    ("данъчна оценка", {"tvr-tax-assessment"}),
    ("наследство", HEIRS | INHERITANCE_TAX),
    ("наследници", HEIRS),
    ("удостоверение за наследници", HEIRS),
    ("починал баща", DEATH),
    ("смъртен акт", {"2034"}),
    ("акт за смърт", {"2034"}),
    ("рождено свидетелство", BIRTH),
    ("удостоверение за раждане", BIRTH),
    ("новородено бебе", {"tvr-birth-registration"}),
    ("адресна регистрация", ADDRESS),
    ("смяна на адрес", ADDRESS),
    ("постоянен адрес", {"2079", "2128"}),
    ("настоящ адрес", {"2074"}),
    ("задължения", DEBTS),
    ("нямам задължения", DEBTS),
    ("дългове данъци", DEBTS),
    ("данък сгради", PROPERTY_TAX),
    ("данъчна декларация имот", PROPERTY_TAX),
    ("скица", SKETCH),
    ("скица на имот", SKETCH),
    ("разрешение за строеж", {"2112"}),
    ("строя къща", BUILD),
    ("виза за проектиране", {"2083"}),
    ("узаконяване", TOLERANCE),
    ("стара сграда", TOLERANCE),
    ("акт 16", OCCUPANCY),
    ("въвеждане в експлоатация", OCCUPANCY),
    ("ПУП", PLAN),
    ("общинско жилище", HOUSING),
    ("жилище", HOUSING),
    ("куче", DOG),
    ("регистрация на куче", DOG),
    ("крава", LIVESTOCK),
    ("добитък", LIVESTOCK),
    ("отсичане на дърво", TREE),
    ("дърва за огрев", WOOD),
    ("пасище", PASTURE),
    ("мери и пасища", PASTURE),
    ("работно време магазин", SHOP_HOURS),
    ("ресторант", RESTAURANT),
    ("кафене", RESTAURANT | SHOP_HOURS),
    ("къща за гости", GUESTS),
    ("туристически данък", TOURIST_TAX),
    ("сергия на пазара", STREET),
    ("тротоар", STREET),
    ("паркиране инвалид", PARKING),
    ("синя карта паркиране", PARKING),
    ("асистент", ASSISTANT),
    ("домашен патронаж", PATRONAGE),
    ("храна вкъщи", PATRONAGE),
    ("безплатен обяд", CANTEEN),
    ("трапезария", CANTEEN),
    ("жалба", COMPLAINT),
    ("оплакване", COMPLAINT),
    ("сигнал", COMPLAINT),
    ("обществена информация", INFORMATION),
    ("консултация", INFORMATION),
    ("архив", ARCHIVE),
    ("копие от документ", ARCHIVE | TAX_RETURN_COPY),
    ("смяна на име", NAME),
    ("под наем", RENT),
    ("патентен данък", PATENT),
    ("данък наследство", INHERITANCE_TAX),
    ("общинска собственост", MUNICIPAL_OWNED),
    ("деца на майката", MOTHER),
    # inflected forms
    ("сметта", WASTE),
    ("сватбата", MARRIAGE),
    ("покрива", ROOF),
    ("покриви", ROOF),
    ("нотариалния акт", NOTARY),
    ("наследниците", HEIRS),
    ("удостоверения за наследници", HEIRS),
    ("скиците", SKETCH),
    ("кучето", DOG),
    ("кучета", DOG),
    ("кравите", LIVESTOCK),
    ("дърветата", TREE),
    ("пасищата", PASTURE),
    ("жалбата", COMPLAINT),
    ("такси за боклук", WASTE),
    ("данъците", DEBTS | PROPERTY_TAX),
    ("ресторанти", RESTAURANT),
    ("бракът", MARRIAGE),
    ("адреса", ADDRESS),
    ("раждането", BIRTH),
    # Latin letters
    ("smet", WASTE),
    ("taksa smet", WASTE),
    ("boklok", WASTE),
    ("svatba", MARRIAGE),
    ("brak", MARRIAGE),
    ("remont na pokriv", ROOF),
    ("notarialen akt", NOTARY),
    ("naslednici", HEIRS),
    ("udostoverenie za naslednitsi", HEIRS),
    ("akt za smart", {"2034"}),
    ("rojdeno svidetelstvo", BIRTH),
    ("udostoverenie za rajdane", BIRTH),
    ("adresna registraciya", ADDRESS),
    ("zadaljeniya", DEBTS),
    ("danak sgradi", PROPERTY_TAX),
    ("skica", SKETCH),
    ("razreshenie za stroej", {"2112"}),
    ("kuche", DOG),
    ("krava", LIVESTOCK),
    ("jalba", COMPLAINT),
    ("zhalba", COMPLAINT),
    ("pasishte", PASTURE),
    ("turisticheski danak", TOURIST_TAX),
    ("parkirane", PARKING),
    ("trapezariya", CANTEEN),
    ("patronaj", PATRONAGE),
    ("obshtinsko jilishte", HOUSING),
    ("smyana na ime", NAME),
    ("arhiv", ARCHIVE),
    ("konsultaciya", INFORMATION),
    # typos
    ("наследнци", HEIRS),
    ("удостоверене за раждане", BIRTH),
    ("сватьа", MARRIAGE),
    ("ремон на покрив", ROOF),
    ("нотариялен акт", NOTARY),
    ("скийца", SKETCH),
    ("разрешеие за строеж", {"2112"}),
    ("кушета", DOG),
    ("жалаба", COMPLAINT),
    ("трапезарийа", CANTEEN),
    ("udostoverenei naslednitsi", HEIRS),
    ("svadba", MARRIAGE),
    ("notarialn akt", NOTARY),
    ("restorant", RESTAURANT),
    ("pasiste", PASTURE),
    # English
    ("waste fee", WASTE),
    ("garbage", WASTE),
    ("rubbish", WASTE),
    ("wedding", MARRIAGE),
    ("marriage certificate", MARRIAGE),
    ("roof repair", ROOF),
    ("building permit", {"2112"}),
    ("notary deed", NOTARY),
    ("heirs", HEIRS),
    ("inheritance", HEIRS | INHERITANCE_TAX),
    ("birth certificate", BIRTH),
    ("death certificate", {"2034"}),
    ("change of address", ADDRESS),
    ("property tax", PROPERTY_TAX),
    ("tax debts", DEBTS),
    ("dog", DOG),
    ("cattle", LIVESTOCK),
    ("cut a tree", TREE),
    ("firewood", WOOD),
    ("complaint", COMPLAINT),
    ("parking card disabled", PARKING),
    ("free lunch", CANTEEN),
    ("meals at home", PATRONAGE),
    ("guest house", GUESTS),
    ("opening hours", SHOP_HOURS),
    ("municipal housing", HOUSING),
    ("public information", INFORMATION),
    ("sketch of my plot", SKETCH),
    ("rent municipal property", RENT),
    ("change my name", NAME),
    # phrased freely, not as any keyword is written
    ("удостоверение за семейно положение", {"tvr-marital-status", "tvr-marital-status-family"}),
    ("дубликат на акт за раждане", BIRTH),
    ("данъчна оценка за нотариус", NOTARY),
    ("баща ми почина", DEATH),
    ("роди се бебе", {"tvr-birth-registration"}),
    ("местя се в друга къща", ADDRESS),
    ("разведен", {"tvr-marital-status"}),
    ("едноличен търговец", PATENT),
    ("категория на хотел", GUESTS),
    ("маси пред заведението", STREET),
    ("орех в двора", TREE),
    ("помощ за възрастен човек", ASSISTANT | PATRONAGE),
    ("обяд за пенсионери", PATRONAGE | CANTEEN),
    ("имот на общината", MUNICIPAL_OWNED | RENT),
    ("кой е собственик на имота", {"2081"}),
    ("tax assessment", {"tvr-tax-assessment"}),
    ("marital status", {"tvr-marital-status", "tvr-marital-status-family"}),
    ("my father died", DEATH),
    ("moving house", ADDRESS),
    ("free parking", PARKING),
    ("hotel category", GUESTS),
    ("market stall", STREET),
    ("grazing land", PASTURE),
    ("copy of my tax return", TAX_RETURN_COPY),
    ("ednolichen targovec", PATENT),
    # a word that matches nothing beside one that does
    ("моля скица", SKETCH),
    ("искам да платя такса смет", WASTE),
    ("къде се прави сватба", MARRIAGE),
    ("трябва ми скица за имота", SKETCH),
]

Search = Callable[[str], list[str]]


def baseline_search(services: tuple[Service, ...]) -> Search:
    """The search of BASELINE_COMMIT, loaded from git as a module of its own.

    That search read `Service.name_bg`, which the catalogue no longer has: it is given
    services that still have one.
    """
    module = module_at(BASELINE_COMMIT, "kiosk/search.py", "search_baseline")
    index = module.SearchIndex([_flat(s) for s in services])
    return lambda query: [hit.service.id for hit in index.search(query, limit=20)]


def _flat(service: Service) -> SimpleNamespace:
    """`service` with the flat bilingual fields of BASELINE_COMMIT's catalogue."""
    return SimpleNamespace(
        id=service.id,
        iisda=service.iisda,
        name_bg=service.name.bg,
        name_en=service.name.en,
        description_bg=service.description.bg,
        description_en=service.description.en,
        keywords_bg=service.keywords_bg,
        keywords_en=service.keywords_en,
        documents_bg=tuple(d.bg for d in service.documents),
        documents_en=tuple(d.en for d in service.documents),
    )


def search_at(commit: str, services: tuple[Service, ...]) -> Search:
    """The search of a later commit (one that reads today's catalogue), beside today's."""
    module = module_at(commit, "kiosk/search.py", f"search_{commit}")
    index = module.SearchIndex(services)
    return lambda query: [hit.service.id for hit in index.search(query, limit=20).hits]


def current_search(services: tuple[Service, ...]) -> Search:
    index = SearchIndex(services)
    return lambda query: [hit.service.id for hit in index.search(query, limit=20).hits]


def measure(search: Search) -> tuple[float, float, list[tuple[str, list[str]]]]:
    """success@3, mean reciprocal rank, and the queries missed in the top three."""
    found, reciprocal, misses = 0, 0.0, []
    for query, answers in QUERIES:
        ids = search(query)
        rank = next((n for n, sid in enumerate(ids, 1) if sid in answers), None)
        if rank is not None and rank <= 3:
            found += 1
        else:
            misses.append((query, ids[:3]))
        reciprocal += 1 / rank if rank else 0.0
    return found / len(QUERIES), reciprocal / len(QUERIES), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the queries each one missed")
    parser.add_argument(
        "--against", metavar="COMMIT", help="also a later commit's search, in the same run"
    )
    args = parser.parse_args()
    services = shipped_catalog().services
    known = {s.id for s in services}
    unknown = {sid for _, answers in QUERIES for sid in answers} - known
    if unknown:
        sys.exit(f"answers name services not in the catalogue: {sorted(unknown)}")
    results = {
        f"baseline ({BASELINE_COMMIT})": measure(baseline_search(services)),
    }
    if args.against:
        results[f"at {args.against}"] = measure(search_at(args.against, services))
    results["current"] = measure(current_search(services))
    print(f"{len(QUERIES)} queries, {len(services)} services")
    print(f"{'search':<20} {'success@3':>10} {'MRR':>7} {'missed':>7}")
    for name, (success, mrr, misses) in results.items():
        print(f"{name:<20} {success:>10.3f} {mrr:>7.3f} {len(misses):>7d}")
    (base_s, base_mrr, _), *_, (cur_s, cur_mrr, _) = results.values()
    print(f"{'ratio current/base':<20} {cur_s / base_s:>9.2f}x {cur_mrr / base_mrr:>6.2f}x")
    if args.misses:
        for name, (_, _, misses) in results.items():
            print(f"\n{name} missed:")
            for query, top in misses:
                print(f"  {query!r}: {top}")


if __name__ == "__main__":
    main()
