"""English titles and summaries, and places (동), for this year's demo forum: what a
district team would fill in so that English pages show English."""

FORUM_TITLE_EN = "{year} Yeongdeungpo-gu Open Forum"
FORUM_DESCRIPTION_EN = (
    "Residents of Yeongdeungpo-gu choose, by vote, which of the agenda items residents "
    "proposed go ahead next year. Each resident picks three."
)

# By item position: (English title, English summary, place)
CURRENT_ENGLISH = [
    (
        "More home health visits for older residents",
        "Nurses and care managers visit older people who live alone, regularly.",
        "신길동",
    ),
    (
        "A day centre for adults with developmental disabilities",
        "A place to stay, learn and work during the day.",
        "영등포동",
    ),
    (
        "Check-in calls for people living alone",
        "Calls and visits to prevent lonely deaths.",
        "대림1동",
    ),
    (
        "Weekend after-school care for primary pupils",
        "After-school care opens on Saturdays for working parents.",
        "",
    ),
    ("Youth careers fair", "Local firms show secondary-school pupils what they do.", ""),
    (
        "Late-opening small libraries and digital classes",
        "Small libraries open until 9 pm, with digital classes for older people.",
        "문래동",
    ),
    (
        "Shade trees along the Anyangcheon walk",
        "Trees and shades on the stream walk, for summer heatwaves.",
        "양평1동",
    ),
    (
        "Food-waste reducers for apartment blocks",
        "A trial of food-waste reducers in apartment complexes.",
        "당산2동",
    ),
    (
        "Residents monitoring the Dorimcheon",
        "Residents test the stream's water and publish the results.",
        "도림동",
    ),
    (
        "Smart crossings in school zones",
        "Pedestrian-sensing signals and floor lights at a school crossing.",
        "영등포본동",
    ),
    (
        "Brighter streets on the way home",
        "Brighter LED street lights and emergency bells in alleys.",
        "",
    ),
    (
        "A meeting place for residents from many cultures",
        "A space where residents of every background meet.",
        "대림2동",
    ),
    ("A shared village kitchen", "A kitchen residents share, and side dishes for neighbours.", ""),
    (
        "Start-up support for young social entrepreneurs",
        "Help for young people founding social enterprises.",
        "",
    ),
    (
        "Shared deliveries for the traditional market",
        "One delivery service for the market's shops.",
        "영등포동",
    ),
]
